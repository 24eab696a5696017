package dev.kiln.queue;

import java.time.Clock;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.PropertySource;

/**
 * Owns the job lifecycle behind the gateway: queue topology, worker events folded into the job state machine.
 * Defaults live in {@code kiln-queue.properties} so the services can share one JVM in the local stack.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@PropertySource("classpath:kiln-queue.properties")
public class QueueServiceApplication {

	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

	public static void main(String[] args) {
		SpringApplication.run(QueueServiceApplication.class, args);
	}

}
