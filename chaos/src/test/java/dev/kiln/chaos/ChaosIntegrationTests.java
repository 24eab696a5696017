package dev.kiln.chaos;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chaos run of issue 8: the reduced run by default (200 jobs, 2 worker processes, 11 faults); the full run with
 * {@code -Dkiln.chaos.jobs=2000} and the other {@code kiln.chaos.*} properties (see {@code chaos/README.md}).
 */
class ChaosIntegrationTests {

	@Test
	void everyAcceptedJobFinishesOnceWithOneSetOfOutputsWhileWorkersRedisAndSqsFail() throws Exception {
		ChaosOptions options = ChaosOptions.from(System.getProperties());
		Path work = Path.of("target", "chaos", "run-" + options.seed() + "-" + System.currentTimeMillis());

		ChaosReport report = new ChaosRun(options, work).run();

		assertThat(report.faults()).as("faults injected").hasSize(options.faults());
		assertThat(report.violations()).as("invariant violations; report in %s:%n%s", work.resolve("report.md"),
				report.toMarkdown())
			.isEmpty();
		assertThat(report.count("SUCCEEDED")).isEqualTo(options.jobs());
	}

}
