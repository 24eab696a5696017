package dev.kiln.advisor;

import java.time.Clock;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.PropertySource;
import org.springframework.scheduling.annotation.EnableScheduling;

import dev.kiln.advisor.simulator.SimulatorCommand;

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

	/**
	 * Starts the advisor, or with {@code simulate} or {@code benchmark} as first argument runs the policy simulator
	 * and exits without starting a server.
	 * @param args command-line arguments
	 */
	public static void main(String[] args) {
		if (SimulatorCommand.handles(args)) {
			System.exit(new SimulatorCommand(System.out).run(args));
		}
		SpringApplication.run(AutoscaleAdvisorApplication.class, args);
	}

}
