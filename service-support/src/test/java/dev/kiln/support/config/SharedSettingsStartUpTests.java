package dev.kiln.support.config;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/** A Spring Boot application with this jar gets the shared settings and their aliases without asking for them. */
class SharedSettingsStartUpTests {

	@Test
	void theSharedPropertiesAreAnAutoConfiguration() {
		assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()))
			.contains(SharedPropertiesConfiguration.class.getName());
	}

	@Test
	void anApplicationSeesTheSharedValueUnderItsOldNames() {
		try (ConfigurableApplicationContext context = start("--kiln.retention=3d",
				"--kiln.webhooks.allow-http=true")) {
			SharedProperties shared = context.getBean(SharedProperties.class);
			assertThat(shared.retention()).isEqualTo(Duration.ofDays(3));
			assertThat(shared.callbacks().allowHttp()).isTrue();
			assertThat(context.getEnvironment().getProperty("kiln.gateway.retention")).isEqualTo("3d");
			assertThat(context.getEnvironment().getProperty("kiln.gateway.callbacks.allow-http")).isEqualTo("true");
		}
	}

	@Test
	void anApplicationWhoseSharedAndOldNamesDisagreeDoesNotStart() {
		assertThatException().isThrownBy(() -> start("--kiln.retention=3d", "--kiln.gateway.retention=1d").close())
			.withMessageContaining("kiln.gateway.retention is '1d'");
	}

	private static ConfigurableApplicationContext start(String... args) {
		return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE).run(args);
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(SharedPropertiesConfiguration.class)
	static class App {

	}

}
