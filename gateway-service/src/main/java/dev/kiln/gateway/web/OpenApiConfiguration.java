package dev.kiln.gateway.web;

import java.util.List;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The API description's header: title, the relative server, and the two ways to present an API key. */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

	static final String BEARER = "bearer";

	static final String API_KEY = "apiKey";

	@Bean
	OpenAPI kilnOpenApi() {
		return new OpenAPI()
			.info(new Info().title("Kiln API")
				.version("v1")
				.description("Submit image generation jobs, follow them live, fetch their images. Every error is "
						+ "RFC 9457 application/problem+json with a stable type URI under https://kiln.dev/problems/."))
			.servers(List.of(new Server().url("/").description("This gateway")))
			.components(new Components()
				.addSecuritySchemes(BEARER,
						new SecurityScheme().type(SecurityScheme.Type.HTTP)
							.scheme("bearer")
							.description("Authorization: Bearer <API key>"))
				.addSecuritySchemes(API_KEY,
						new SecurityScheme().type(SecurityScheme.Type.APIKEY)
							.in(SecurityScheme.In.HEADER)
							.name("X-Api-Key")
							.description("X-Api-Key: <API key>")))
			.security(List.of(new SecurityRequirement().addList(BEARER), new SecurityRequirement().addList(API_KEY)));
	}

}
