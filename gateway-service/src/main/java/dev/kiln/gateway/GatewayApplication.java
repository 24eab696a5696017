package dev.kiln.gateway;

import java.time.Clock;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.PropertySource;

/**
 * The public REST API of Kiln. Its defaults live in {@code kiln-gateway.properties} rather than
 * {@code application.properties} so that the four services can share one JVM in the local stack; anything set in
 * {@code application.yml}, the environment or on the command line still wins.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@PropertySource("classpath:kiln-gateway.properties")
public class GatewayApplication {

	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

	public static void main(String[] args) {
		SpringApplication.run(GatewayApplication.class, args);
	}

}
