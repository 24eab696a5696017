package dev.kiln.chaos;

import java.time.Duration;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ChaosOptionsTests {

	@Test
	void defaultsAreTheReducedCiRun() {
		ChaosOptions options = ChaosOptions.from(new Properties());
		assertThat(options.jobs()).isEqualTo(200);
		assertThat(options.workers()).isEqualTo(2);
		assertThat(options.faults()).isEqualTo(11);
		assertThat(options.faultWindow()).isEqualTo(Duration.ofSeconds(60));
	}

	@Test
	void theFullRunScalesTheFaultsWithTheJobs() {
		Properties properties = new Properties();
		properties.setProperty("kiln.chaos.jobs", "2000");
		properties.setProperty("kiln.chaos.workers", "3");
		properties.setProperty("kiln.chaos.sqs-restarts", "5");
		properties.setProperty("kiln.chaos.max-downtime", "1500ms");
		ChaosOptions options = ChaosOptions.from(properties);
		assertThat(options.sigkills()).isEqualTo(30);
		assertThat(options.sqsRestarts()).isEqualTo(5);
		assertThat(options.workers()).isEqualTo(3);
		assertThat(options.maxDowntime()).isEqualTo(Duration.ofMillis(1500));
	}

	@Test
	void aBadValueNamesTheProperty() {
		Properties properties = new Properties();
		properties.setProperty("kiln.chaos.jobs", "many");
		assertThatIllegalArgumentException().isThrownBy(() -> ChaosOptions.from(properties))
			.withMessageContaining("kiln.chaos.jobs");
		properties.setProperty("kiln.chaos.jobs", "10");
		properties.setProperty("kiln.chaos.settle-limit", "soon");
		assertThatIllegalArgumentException().isThrownBy(() -> ChaosOptions.from(properties))
			.withMessageContaining("kiln.chaos.settle-limit");
	}

}
