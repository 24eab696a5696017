package dev.kiln.queue.web;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Every {@code /admin/**} request needs an admin API key. */
@Configuration(proxyBeanMethods = false)
class WebConfiguration implements WebMvcConfigurer {

	private final AdminKeyInterceptor adminKeys;

	WebConfiguration(AdminKeyInterceptor adminKeys) {
		this.adminKeys = adminKeys;
	}

	@Override
	public void addInterceptors(InterceptorRegistry registry) {
		registry.addInterceptor(this.adminKeys).addPathPatterns("/admin", "/admin/**");
	}

}
