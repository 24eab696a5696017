package dev.kiln.advisor;

import java.time.Clock;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.PropertySource;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Reads the queues and decides how many GPU workers are needed. Defaults live in {@code kiln-advisor.properties} so
 * the services can share one JVM in the local stack.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
@PropertySource("classpath:kiln-advisor.properties")
public class AutoscaleAdvisorApplication {

	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

	public static void main(String[] args) {
		SpringApplication.run(AutoscaleAdvisorApplication.class, args);
	}

}
