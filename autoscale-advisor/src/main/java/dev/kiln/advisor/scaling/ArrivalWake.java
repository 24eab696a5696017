package dev.kiln.advisor.scaling;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.PatternTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

import dev.kiln.advisor.AdvisorProperties;
import dev.kiln.contract.RedisKeys;
import dev.kiln.support.metrics.Meters;

/**
 * Decides as soon as the gateway records a job instead of at the next poll. The gateway's create script publishes
 * each job on its lane's arrivals channel ({@link RedisKeys#laneArrivals}); this listener takes the first arrival,
 * waits {@code kiln.advisor.wake.coalesce} (5 ms) for others of the same burst, then runs one decision, which pushes
 * {@code StreamIsActive} to KEDA. The poll stays as the backstop for an arrival missed while Redis or this
 * subscription was down, and the decision keeps its stale-inputs guard.
 *
 * <p>Why pub/sub from the create script and not keyspace notifications: the script already runs on every accepted
 * job, a {@code PUBLISH} there costs one command and no server setting, while keyspace notifications need
 * {@code notify-keyspace-events} set on the server (a parameter group on ElastiCache and MemoryDB) and would fire
 * for every write to the lane indexes, starts and retries included.
 */
final class ArrivalWake implements MessageListener, AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(ArrivalWake.class);

	private final ScalingAdvisor advisor;

	private final Duration coalesce;

	private final AtomicBoolean pending = new AtomicBoolean();

	private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
			Thread.ofPlatform().name("advisor-wake").daemon().factory());

	private final Counter arrivals;

	private final Counter decisions;

	ArrivalWake(ScalingAdvisor advisor, Duration coalesce, MeterRegistry meters) {
		this.advisor = advisor;
		this.coalesce = coalesce;
		this.arrivals = Meters.counter(meters, "kiln.advisor.arrivals", "Jobs the gateway announced as recorded");
		this.decisions = Meters.counter(meters, "kiln.advisor.wake.decisions",
				"Decisions run on an arrival rather than on the poll");
	}

	@Override
	public void onMessage(Message message, byte[] pattern) {
		this.arrivals.increment();
		if (this.pending.compareAndSet(false, true)) {
			this.executor.schedule(this::decide, this.coalesce.toNanos(), TimeUnit.NANOSECONDS);
		}
		if (logger.isTraceEnabled()) {
			logger.trace("Arrival of job {} on {}", new String(message.getBody(), StandardCharsets.UTF_8),
					new String(message.getChannel(), StandardCharsets.UTF_8));
		}
	}

	private void decide() {
		// cleared before the decision reads its inputs: an arrival during the decision schedules another one
		this.pending.set(false);
		this.decisions.increment();
		this.advisor.refresh();
	}

	@Override
	public void close() {
		this.executor.shutdownNow();
	}

	/** The subscription, unless {@code kiln.advisor.wake.enabled=false}. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "kiln.advisor.wake.enabled", matchIfMissing = true)
	static class Subscription {

		@Bean
		ArrivalWake arrivalWake(ScalingAdvisor advisor, AdvisorProperties properties, MeterRegistry meters) {
			return new ArrivalWake(advisor, properties.wake().coalesce(), meters);
		}

		@Bean
		RedisMessageListenerContainer arrivalSubscription(RedisConnectionFactory redis, ArrivalWake wake) {
			RedisMessageListenerContainer container = new RedisMessageListenerContainer();
			container.setConnectionFactory(redis);
			container.addMessageListener(wake, new PatternTopic(RedisKeys.laneArrivalsPattern()));
			return container;
		}

	}

}
