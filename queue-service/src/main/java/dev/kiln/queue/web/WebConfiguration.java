package dev.kiln.queue.web;

import lombok.RequiredArgsConstructor;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Every {@code /admin/**} request needs an admin API key. */
@Configuration(proxyBeanMethods = false)
@RequiredArgsConstructor
class WebConfiguration implements WebMvcConfigurer {

	private final AdminKeyInterceptor adminKeys;

	@Override
	public void addInterceptors(InterceptorRegistry registry) {
		registry.addInterceptor(this.adminKeys).addPathPatterns("/admin", "/admin/**");
	}

}
