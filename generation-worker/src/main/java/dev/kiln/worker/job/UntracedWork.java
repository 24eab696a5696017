package dev.kiln.worker.job;

import io.micrometer.tracing.exporter.FinishedSpan;
import io.micrometer.tracing.exporter.SpanExportingPredicate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Keeps the worker's routine chatter out of the exported traces: with every trace sampled (issue 18), each Redis
 * command of the heartbeat (lease renewals, the heartbeat document: several a {@code heartbeat-interval}) and each
 * probe or scrape of {@code /actuator} would otherwise be a trace of its own. Lettuce's spans never join a job's trace
 * (its synchronous commands do not read the thread's span), so only those without a parent are dropped, and only at
 * export: the observations, and the metrics they give, stay as they were.
 */
@Configuration(proxyBeanMethods = false)
class UntracedWork {

	@Bean
	SpanExportingPredicate kilnWorkerUntracedWork() {
		return (span) -> !isRoot(span) || !(isRedisCommand(span) || isActuatorRequest(span));
	}

	private static boolean isRoot(FinishedSpan span) {
		String parent = span.getParentId();
		return parent == null || parent.isEmpty() || parent.chars().allMatch((c) -> c == '0');
	}

	private static boolean isRedisCommand(FinishedSpan span) {
		return "redis".equals(span.getTags().get("db.system"));
	}

	private static boolean isActuatorRequest(FinishedSpan span) {
		String uri = span.getTags().get("uri");
		return uri != null && uri.startsWith("/actuator");
	}

}
