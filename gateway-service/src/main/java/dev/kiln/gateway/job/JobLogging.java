package dev.kiln.gateway.job;

import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import dev.kiln.contract.JobLogContext;

/**
 * Puts the job id of a {@code /v1/jobs/{id}/...} request in the logging MDC while the request is handled, so that
 * every line logged about it carries {@value JobLogContext#JOB_ID} (a field in structured logs). A submission gets
 * its id only once it is accepted: {@link JobIntake} puts it there itself.
 */
@Configuration(proxyBeanMethods = false)
class JobLogging implements WebMvcConfigurer, HandlerInterceptor {

	private static final String SCOPE = JobLogging.class.getName() + ".scope";

	@Override
	public void addInterceptors(InterceptorRegistry registry) {
		registry.addInterceptor(this).addPathPatterns("/v1/jobs/*", "/v1/jobs/*/**");
	}

	@Override
	public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
		if (request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE) instanceof Map<?, ?> variables
				&& variables.get("id") instanceof String id) {
			request.setAttribute(SCOPE, JobLogContext.of(id, null, null));
		}
		return true;
	}

	@Override
	public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler,
			@Nullable Exception ex) {
		if (request.getAttribute(SCOPE) instanceof JobLogContext.Scope scope) {
			request.removeAttribute(SCOPE);
			scope.close();
		}
	}

}
