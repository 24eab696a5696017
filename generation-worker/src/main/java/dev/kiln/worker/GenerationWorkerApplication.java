package dev.kiln.worker;

import org.springframework.boot.SpringApplication;
import org.springframework.context.annotation.PropertySource;

import dev.kiln.support.boot.KilnService;

/**
 * The GPU worker: takes jobs from SQS, renders them with DJL and writes the images to S3. Defaults live in
 * {@code kiln-worker.properties} so the services can share one JVM in the local stack.
 */
@KilnService
@PropertySource("classpath:kiln-worker.properties")
public class GenerationWorkerApplication {

	public static void main(String[] args) {
		SpringApplication.run(GenerationWorkerApplication.class, args);
	}

}
