package dev.kiln.cdk;

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
 * The CRD schemas vendored in {@code deploy/crds}, made as strict as the API server, as the chart tests of the
 * {@code deploy} module use them ({@code deploy/src/test/.../CrdSchemas}, which is package-private test code of
 * another module and so cannot be reused here; this is the same rule set, kept small).
 */
final class CrdSchemas {

	static final Path DIRECTORY = Path.of(System.getProperty("kiln.crds.dir", "../crds"));

	private static final YAMLMapper YAML = YAMLMapper.builder().build();

	private static final List<String> KUBERNETES_KEYWORDS = List.of("x-kubernetes-validations",
			"x-kubernetes-preserve-unknown-fields", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
			"x-kubernetes-map-type", "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource");

	private final Map<String, Schema> schemas;

	private CrdSchemas(Map<String, Schema> schemas) {
		this.schemas = schemas;
	}

	static CrdSchemas load() {
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
			throw new UncheckedIOException("CRDs not found at " + DIRECTORY.toAbsolutePath(), ex);
		}
		return new CrdSchemas(schemas);
	}

	/** Whether an object belongs to the API group of a vendored CRD (KEDA, Karpenter, Prometheus Operator). */
	boolean covers(JsonNode object) {
		String apiVersion = object.path("apiVersion").asString();
		String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
		return this.schemas.keySet().stream().anyMatch((key) -> key.startsWith(group + "/"));
	}

	List<String> validate(JsonNode object) {
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
