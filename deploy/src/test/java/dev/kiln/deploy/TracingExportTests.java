package dev.kiln.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.marcnuri.helm.Helm;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * {@code tracing.otlp.endpoint}: one value points every Kiln container at an OpenTelemetry collector
 * ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, which Spring Boot maps to its OTLP span exporter); by default no container
 * exports spans.
 */
class TracingExportTests {

	private static final String ENDPOINT = "http://otel-collector.observability:4318";

	@Test
	void noContainerExportsSpansByDefault() {
		assertThat(endpoints(RenderedChart.render("defaults", Map.of(), List.of()))).isEmpty();
	}

	@Test
	void oneValuePointsEveryKilnContainerAtTheCollector() {
		List<String> endpoints = endpoints(
				RenderedChart.render("tracing", Map.of("tracing.otlp.endpoint", ENDPOINT), List.of()));
		// gateway, queue service, advisor, worker
		assertThat(endpoints).hasSize(4).containsOnly(ENDPOINT);
	}

	@Test
	void anEndpointThatIsNotAnHttpUrlIsRefused() {
		assertThatException()
			.isThrownBy(() -> new Helm(RenderedChart.CHART).template()
				.withName(RenderedChart.RELEASE)
				.set("tracing.otlp.endpoint", "otel-collector:4318")
				.call())
			.withMessageContaining("/tracing/otlp/endpoint");
	}

	/** The OTLP endpoint of each Kiln container of the Deployments. */
	private static List<String> endpoints(RenderedChart chart) {
		List<String> endpoints = new ArrayList<>();
		for (RenderedChart.Manifest deployment : chart.ofKind("Deployment")) {
			for (JsonNode container : deployment.tree().path("spec").path("template").path("spec").path("containers")) {
				for (JsonNode env : container.path("env")) {
					if (env.path("name").asString().equals("OTEL_EXPORTER_OTLP_ENDPOINT")) {
						endpoints.add(env.path("value").asString());
					}
				}
			}
		}
		return endpoints;
	}

}
