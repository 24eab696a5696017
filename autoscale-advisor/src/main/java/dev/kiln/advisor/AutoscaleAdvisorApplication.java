package dev.kiln.advisor;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class AutoscaleAdvisorApplication {

	public static void main(String[] args) {
		SpringApplication.run(AutoscaleAdvisorApplication.class, args);
	}

}
