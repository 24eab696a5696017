package dev.kiln.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code logging.format}: every Kiln container logs JSON lines by default (Spring Boot's structured logging, selected
 * by {@code LOGGING_STRUCTURED_FORMAT_CONSOLE}) and plain text when asked.
 */
class LoggingFormatTests {

	@Test
	void everyContainerLogsEcsJsonByDefault() {
		List<String> formats = formats(RenderedChart.render("defaults", Map.of(), List.of()));
		assertThat(formats).hasSize(4).containsOnly("ecs");
	}

	@Test
	void logstashIsOneValueAway() {
		assertThat(formats(RenderedChart.render("logstash", Map.of("logging.format", "logstash"), List.of())))
			.hasSize(4)
			.containsOnly("logstash");
	}

	@Test
	void textLeavesSpringBootsPlainLines() {
		assertThat(formats(RenderedChart.render("text", Map.of("logging.format", "text"), List.of()))).isEmpty();
	}

	/** The structured format of each Kiln container of the Deployments (gateway, queue service, advisor, worker). */
	private static List<String> formats(RenderedChart chart) {
		List<String> formats = new ArrayList<>();
		for (RenderedChart.Manifest deployment : chart.ofKind("Deployment")) {
			for (JsonNode container : deployment.tree().path("spec").path("template").path("spec").path("containers")) {
				for (JsonNode env : container.path("env")) {
					if (env.path("name").asString().equals("LOGGING_STRUCTURED_FORMAT_CONSOLE")) {
						formats.add(env.path("value").asString());
					}
				}
			}
		}
		return formats;
	}

}
