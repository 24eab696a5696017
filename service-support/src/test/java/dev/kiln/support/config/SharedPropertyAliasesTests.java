package dev.kiln.support.config;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class SharedPropertyAliasesTests {

	private final SharedPropertyAliases aliases = new SharedPropertyAliases((destination) -> destination.get());

	@Test
	void theSharedNameFillsEveryOldNameThatIsNotSet() {
		StandardEnvironment environment = environment(Map.of("kiln.retention", "3d", "kiln.callbacks.allow-http",
				"true"));

		this.aliases.postProcessEnvironment(environment, new SpringApplication());

		assertThat(environment.getProperty("kiln.gateway.retention")).isEqualTo("3d");
		assertThat(environment.getProperty("kiln.gateway.callbacks.allow-http")).isEqualTo("true");
		assertThat(environment.getProperty("kiln.webhooks.allow-http")).isEqualTo("true");
		assertThat(environment.getProperty("kiln.webhooks.allow-private-networks")).isNull();
	}

	@Test
	void anOldNameStillWorksAndFillsTheSharedOne() {
		StandardEnvironment environment = environment(Map.of("kiln.gateway.retention", "2d",
				"kiln.webhooks.allow-private-networks", "true"));

		this.aliases.postProcessEnvironment(environment, new SpringApplication());

		assertThat(environment.getProperty("kiln.retention")).isEqualTo("2d");
		assertThat(environment.getProperty("kiln.callbacks.allow-private-networks")).isEqualTo("true");
		assertThat(environment.getProperty("kiln.gateway.callbacks.allow-private-networks")).isEqualTo("true");
	}

	@Test
	void aSharedAndAnOldNameThatDisagreeStopStartUpNamingBoth() {
		StandardEnvironment environment = environment(Map.of("kiln.retention", "7d", "kiln.gateway.retention",
				"1d"));

		assertThatIllegalStateException()
			.isThrownBy(() -> this.aliases.postProcessEnvironment(environment, new SpringApplication()))
			.withMessageContaining("kiln.retention is '7d'")
			.withMessageContaining("kiln.gateway.retention is '1d'");
	}

	@Test
	void twoOldNamesThatDisagreeStopStartUp() {
		StandardEnvironment environment = environment(Map.of("kiln.gateway.callbacks.allow-http", "true",
				"kiln.webhooks.allow-http", "false"));

		assertThatIllegalStateException()
			.isThrownBy(() -> this.aliases.postProcessEnvironment(environment, new SpringApplication()))
			.withMessageContaining("kiln.callbacks.allow-http");
	}

	@Test
	void agreeingSpellingsAndNothingSetAddNothingThatWasNotThere() {
		StandardEnvironment agreeing = environment(Map.of("kiln.callbacks.allow-http", "TRUE",
				"kiln.webhooks.allow-http", "true"));
		this.aliases.postProcessEnvironment(agreeing, new SpringApplication());
		assertThat(agreeing.getProperty("kiln.gateway.callbacks.allow-http")).isEqualTo("TRUE");

		StandardEnvironment empty = environment(Map.of());
		this.aliases.postProcessEnvironment(empty, new SpringApplication());
		assertThat(empty.getPropertySources().contains(SharedPropertyAliases.SOURCE_NAME)).isFalse();
	}

	private static StandardEnvironment environment(Map<String, Object> properties) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("test", new HashMap<>(properties)));
		return environment;
	}

}
