package dev.kiln.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.context.annotation.PropertySource;

import dev.kiln.support.boot.KilnService;

/**
 * The public REST API of Kiln. Its defaults live in {@code kiln-gateway.properties} rather than
 * {@code application.properties} so that the four services can share one JVM in the local stack; anything set in
 * {@code application.yml}, the environment or on the command line still wins.
 */
@KilnService
@PropertySource("classpath:kiln-gateway.properties")
public class GatewayApplication {

	public static void main(String[] args) {
		SpringApplication.run(GatewayApplication.class, args);
	}

}
