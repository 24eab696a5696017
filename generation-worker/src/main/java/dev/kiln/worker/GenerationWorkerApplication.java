package dev.kiln.worker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class GenerationWorkerApplication {

	public static void main(String[] args) {
		SpringApplication.run(GenerationWorkerApplication.class, args);
	}

}
