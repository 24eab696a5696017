package dev.kiln.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The chart rendered with one value set: every manifest as a JSON tree and as YAML text.
 *
 * @param valueSet the value set's name
 * @param documents the rendered objects, in rendering order
 */
record RenderedChart(String valueSet, List<Manifest> documents) {

	static final Path CHART = Path.of(System.getProperty("kiln.chart.dir", "helm/kiln"));

	static final String RELEASE = "kiln";

	static final String NAMESPACE = "kiln-test";

	private static final YAMLMapper YAML = YAMLMapper.builder().build();

	private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

	private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

	/**
	 * One rendered object.
	 *
	 * @param source the template it came from
	 * @param yaml its YAML text
	 * @param tree its JSON tree
	 */
	record Manifest(String source, String yaml, JsonNode tree) {

		String kind() {
			return this.tree.path("kind").asString();
		}

		String apiVersion() {
			return this.tree.path("apiVersion").asString();
		}

		String name() {
			return this.tree.path("metadata").path("name").asString();
		}

		@Override
		public String toString() {
			return kind() + "/" + name() + " (" + this.source + ")";
		}

	}

	/**
	 * Renders the chart.
	 * @param valueSet a name for messages
	 * @param values {@code --set} pairs
	 * @param valuesFiles extra values files, relative to the test resources
	 * @return the rendered chart
	 */
	static RenderedChart render(String valueSet, Map<String, Object> values, List<Path> valuesFiles) {
		TemplateCommand command = new Helm(CHART).template()
			.withName(RELEASE)
			.withNamespace(NAMESPACE)
			.withKubeVersion("1.33.0");
		for (Path file : valuesFiles) {
			command = command.withValuesFile(file);
		}
		for (Map.Entry<String, Object> value : values.entrySet()) {
			command = command.set(value.getKey(), value.getValue());
		}
		return parse(valueSet, command.call());
	}

	/** Annotation the {@code helm test} pods carry instead of {@code helm.sh/hook} in {@link #renderTestHooks}. */
	static final String RENDERED_HOOK = "kiln.dev/rendered-hook";

	/**
	 * Renders the chart with its {@code helm test} pods ({@code templates/tests}) among the manifests. Helm keeps hooks
	 * out of the manifest that helm-java's template returns, so this renders a copy of the chart whose test templates
	 * carry {@link #RENDERED_HOOK} instead of {@code helm.sh/hook}; nothing else differs.
	 * @param valueSet a name for messages
	 * @param values {@code --set} pairs
	 * @return the rendered chart, test pods included
	 */
	static RenderedChart renderTestHooks(String valueSet, Map<String, Object> values) {
		Path copy;
		try {
			copy = Files.createTempDirectory("kiln-chart-tests");
			try (var files = Files.walk(CHART)) {
				for (Path source : files.toList()) {
					Path target = copy.resolve(CHART.relativize(source).toString());
					if (Files.isDirectory(source)) {
						Files.createDirectories(target);
					}
					else if (CHART.relativize(source).startsWith(Path.of("templates", "tests"))) {
						Files.writeString(target, Files.readString(source).replace("helm.sh/hook:", RENDERED_HOOK + ":"));
					}
					else {
						Files.copy(source, target);
					}
				}
			}
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
		TemplateCommand command = new Helm(copy).template()
			.withName(RELEASE)
			.withNamespace(NAMESPACE)
			.withKubeVersion("1.33.0");
		for (Map.Entry<String, Object> value : values.entrySet()) {
			command = command.set(value.getKey(), value.getValue());
		}
		return parse(valueSet, command.call());
	}

	static RenderedChart parse(String valueSet, String output) {
		List<Manifest> documents = new ArrayList<>();
		for (String text : DOCUMENT_SEPARATOR.split(output)) {
			String content = text.lines().filter((line) -> !line.isBlank() && !line.startsWith("#")).findAny().orElse("");
			if (content.isEmpty()) {
				continue;
			}
			String source = text.lines()
				.filter((line) -> line.startsWith("# Source: "))
				.map((line) -> line.substring("# Source: ".length()))
				.findFirst()
				.orElse("?");
			documents.add(new Manifest(source, text, YAML.readTree(text)));
		}
		return new RenderedChart(valueSet, List.copyOf(documents));
	}

	static Path testResource(String name) {
		try {
			return Path.of(RenderedChart.class.getResource("/" + name).toURI());
		}
		catch (Exception ex) {
			throw new IllegalStateException("Missing test resource " + name, ex);
		}
	}

	List<Manifest> ofKind(String kind) {
		return this.documents.stream().filter((manifest) -> manifest.kind().equals(kind)).toList();
	}

	Optional<Manifest> find(String kind, String name) {
		return this.documents.stream()
			.filter((manifest) -> manifest.kind().equals(kind) && manifest.name().equals(name))
			.findFirst();
	}

	static String componentName(String component) {
		return RELEASE + "-" + component;
	}

	/** The worker pod template, from the Deployment or from the ScaledJob. */
	JsonNode workerPodTemplate() {
		Optional<Manifest> deployment = find("Deployment", componentName("worker"));
		if (deployment.isPresent()) {
			return deployment.get().tree().path("spec").path("template");
		}
		return find("ScaledJob", componentName("worker")).orElseThrow(
				() -> new AssertionError(this.valueSet + ": neither a worker Deployment nor a worker ScaledJob"))
			.tree()
			.path("spec")
			.path("jobTargetRef")
			.path("template");
	}

	/** Every pod template: Deployments and the ScaledJob's job template. */
	List<JsonNode> podTemplates() {
		List<JsonNode> templates = new ArrayList<>();
		for (Manifest deployment : ofKind("Deployment")) {
			templates.add(deployment.tree().path("spec").path("template"));
		}
		for (Manifest job : ofKind("ScaledJob")) {
			templates.add(job.tree().path("spec").path("jobTargetRef").path("template"));
		}
		return templates;
	}

	static Duration duration(String text) {
		Matcher matcher = DURATION.matcher(text);
		if (!matcher.matches()) {
			throw new IllegalArgumentException("Not a duration: " + text);
		}
		long amount = Long.parseLong(matcher.group(1));
		return switch (matcher.group(2)) {
			case "ms" -> Duration.ofMillis(amount);
			case "s" -> Duration.ofSeconds(amount);
			case "m" -> Duration.ofMinutes(amount);
			case "h" -> Duration.ofHours(amount);
			default -> Duration.ofDays(amount);
		};
	}

	/**
	 * Fields the typed model did not know, anywhere in the object: fabric8 keeps them in
	 * {@code additionalProperties}, so a misnamed field (or one at the wrong level) shows up here.
	 */
	static List<String> unknownFields(Object typed) {
		List<String> unknown = new ArrayList<>();
		collectUnknown(typed, typed.getClass().getSimpleName(), unknown);
		return unknown;
	}

	private static void collectUnknown(Object value, String path, List<String> unknown) {
		if (value instanceof List<?> list) {
			for (int i = 0; i < list.size(); i++) {
				collectUnknown(list.get(i), path + "[" + i + "]", unknown);
			}
			return;
		}
		if (value == null || !value.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
			return;
		}
		for (java.lang.reflect.Method getter : value.getClass().getMethods()) {
			if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
					|| getter.getDeclaringClass() == Object.class) {
				continue;
			}
			Object child;
			try {
				child = getter.invoke(value);
			}
			catch (ReflectiveOperationException ex) {
				throw new IllegalStateException(ex);
			}
			if (getter.getName().equals("getAdditionalProperties")) {
				if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
					unknown.add(path + " " + extra.keySet());
				}
				continue;
			}
			collectUnknown(child, path + "." + getter.getName().substring(3), unknown);
		}
	}

	static String read(Path file) {
		try {
			return Files.readString(file);
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

}
