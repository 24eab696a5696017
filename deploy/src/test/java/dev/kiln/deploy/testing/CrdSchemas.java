package dev.kiln.deploy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The {@code openAPIV3Schema} of every CRD vendored in {@code deploy/crds} (see its README for the upstream releases), by {@code apiVersion} and {@code kind}, made as
 * strict as the API server: an object schema that lists its properties rejects any other property (the API server
 * prunes or, with strict field validation, refuses unknown fields), unless it preserves unknown fields.
 * <p>
 * Shared with other modules' tests (the CDK app renders the chart with its values and validates them the same way)
 * through the {@code deploy} module's test jar.
 */
public final class CrdSchemas {

	/** The CRD directory: {@code -Dkiln.crds.dir}, else {@code crds} (the {@code deploy} module's). */
	public static final Path DIRECTORY = Path.of(System.getProperty("kiln.crds.dir", "crds"));

	private static final YAMLMapper YAML = YAMLMapper.builder().build();

	private static final List<String> KUBERNETES_KEYWORDS = List.of("x-kubernetes-validations",
			"x-kubernetes-preserve-unknown-fields", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
			"x-kubernetes-map-type", "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource");

	private final Map<String, Schema> schemas;

	private CrdSchemas(Map<String, Schema> schemas) {
		this.schemas = schemas;
	}

	/** Loads every CRD of the directory; fails with a clear message when it is missing. */
	public static CrdSchemas load() {
		if (!Files.isDirectory(DIRECTORY)) {
			throw new IllegalStateException("CRD schemas not found at " + DIRECTORY.toAbsolutePath().normalize()
					+ ": the chart tests validate KEDA, Karpenter and Prometheus Operator objects against the CRDs "
					+ "vendored in deploy/crds. Run the tests from the deploy module or pass -Dkiln.crds.dir=<dir>.");
		}
		// OpenAPI 3.0 schema objects; the Kubernetes extensions (CEL rules, list and map types) are not checked here.
		Dialect.Builder dialect = Dialect.builder(Dialects.getOpenApi30());
		for (String keyword : KUBERNETES_KEYWORDS) {
			dialect.keyword(new NonValidationKeyword(keyword));
		}
		SchemaRegistry registry = SchemaRegistry.withDefaultDialect(dialect.build());
		Map<String, Schema> schemas = new HashMap<>();
		try (Stream<Path> files = Files.list(DIRECTORY)) {
			for (Path file : files.filter((f) -> f.toString().endsWith(".yaml")).sorted().toList()) {
				JsonNode crd = YAML.readTree(Files.readString(file));
				String group = crd.path("spec").path("group").asString();
				String kind = crd.path("spec").path("names").path("kind").asString();
				for (JsonNode version : crd.path("spec").path("versions")) {
					JsonNode schema = version.path("schema").path("openAPIV3Schema").deepCopy();
					strict(schema);
					schemas.put(group + "/" + version.path("name").asString() + "/" + kind, registry.getSchema(schema));
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		if (schemas.isEmpty()) {
			throw new IllegalStateException("No CRD found in " + DIRECTORY.toAbsolutePath().normalize());
		}
		return new CrdSchemas(schemas);
	}

	/**
	 * Whether a vendored CRD defines this version and kind.
	 * @param apiVersion the object's {@code apiVersion}
	 * @param kind the object's {@code kind}
	 * @return whether {@link #validate} has a schema for it
	 */
	public boolean covers(String apiVersion, String kind) {
		return this.schemas.containsKey(apiVersion + "/" + kind);
	}

	/**
	 * Whether the object belongs to the API group of a vendored CRD (KEDA, Karpenter, Prometheus Operator), whatever
	 * its version and kind: such an object must then be valid against one of them.
	 * @param object the object
	 * @return whether its group is a vendored CRD's
	 */
	public boolean coversGroup(JsonNode object) {
		String apiVersion = object.path("apiVersion").asString();
		String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
		return this.schemas.keySet().stream().anyMatch((key) -> key.startsWith(group + "/"));
	}

	/**
	 * Validates an object against the schema of its CRD.
	 * @param object the object
	 * @return the violations, empty when it is valid
	 */
	public List<String> validate(JsonNode object) {
		String key = object.path("apiVersion").asString() + "/" + object.path("kind").asString();
		Schema schema = this.schemas.get(key);
		if (schema == null) {
			return List.of("no CRD schema for " + key + " in " + DIRECTORY);
		}
		ObjectNode withoutStatus = (ObjectNode) object.deepCopy();
		withoutStatus.remove("status");
		return schema.validate(withoutStatus).stream().map(Error::toString).toList();
	}

	private static void strict(JsonNode schema) {
		if (!(schema instanceof ObjectNode node)) {
			return;
		}
		if (node.has("properties") && !node.has("additionalProperties")
				&& !node.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
			node.put("additionalProperties", false);
		}
		for (JsonNode child : node.values()) {
			if (child.isObject()) {
				if (node.get("properties") == child) {
					for (JsonNode property : child.values()) {
						strict(property);
					}
				}
				else {
					strict(child);
				}
			}
			else if (child.isArray()) {
				for (JsonNode element : child) {
					strict(element);
				}
			}
		}
	}

}
