package dev.kiln.advisor;

import org.springframework.boot.SpringApplication;
import org.springframework.context.annotation.PropertySource;
import org.springframework.scheduling.annotation.EnableScheduling;

import dev.kiln.advisor.simulator.SimulatorCommand;
import dev.kiln.support.boot.KilnService;

/**
 * Reads the queues and decides how many GPU workers are needed. Defaults live in {@code kiln-advisor.properties} so
 * the services can share one JVM in the local stack.
 */
@KilnService
@EnableScheduling
@PropertySource("classpath:kiln-advisor.properties")
public class AutoscaleAdvisorApplication {

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
