package dev.kiln.worker;

import java.time.Clock;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.PropertySource;

/**
 * The GPU worker: takes jobs from SQS, renders them with DJL and writes the images to S3. Defaults live in
 * {@code kiln-worker.properties} so the services can share one JVM in the local stack.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@PropertySource("classpath:kiln-worker.properties")
public class GenerationWorkerApplication {

	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

	public static void main(String[] args) {
		SpringApplication.run(GenerationWorkerApplication.class, args);
	}

}
