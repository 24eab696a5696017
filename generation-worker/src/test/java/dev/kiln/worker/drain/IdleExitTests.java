package dev.kiln.worker.drain;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

import dev.kiln.worker.WorkerProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The idle exit's decisions, driven by hand on a fake clock (no scheduler runs here, so every count is the test's own);
 * {@code WorkerProcessIntegrationTests} shows the scheduled exit of a real worker process.
 */
class IdleExitTests {

	private static final Instant START = Instant.parse("2026-12-01T12:00:00Z");

	private final MutableClock clock = new MutableClock();

	private final AtomicBoolean inHand = new AtomicBoolean();

	private final AtomicInteger exits = new AtomicInteger();

	private final DrainSignal signal = new DrainSignal();

	@Test
	void exitsOnceAfterMaxIdleWithNothingInHand() {
		IdleExit idle = idleExit(Duration.ofSeconds(60));
		idle.startClock();
		try {
			this.clock.advance(Duration.ofSeconds(59));
			idle.check();
			assertThat(this.exits).as("59 s idle").hasValue(0);
			assertThat(this.signal.raised()).isFalse();
			this.clock.advance(Duration.ofSeconds(1));
			idle.check();
			assertThat(this.exits).as("60 s idle").hasValue(1);
			assertThat(this.signal.reason()).contains("kiln.worker.max-idle").contains("PT1M");
			this.clock.advance(Duration.ofSeconds(60));
			idle.check();
			assertThat(this.exits).as("exits once").hasValue(1);
		}
		finally {
			assertThat(idle.isRunning()).as("no scheduler behind these checks").isFalse();
		}
	}

	@Test
	void workInHandRestartsTheIdleClock() {
		IdleExit idle = idleExit(Duration.ofSeconds(60));
		idle.startClock();
		try {
			this.clock.advance(Duration.ofSeconds(50));
			this.inHand.set(true);
			idle.check();
			this.clock.advance(Duration.ofMinutes(10));
			idle.check();
			assertThat(this.exits).as("busy for 10 minutes").hasValue(0);
			this.inHand.set(false);
			this.clock.advance(Duration.ofSeconds(59));
			idle.check();
			assertThat(this.exits).as("idle 59 s since the last job").hasValue(0);
			this.clock.advance(Duration.ofSeconds(1));
			idle.check();
			assertThat(this.exits).hasValue(1);
		}
		finally {
			assertThat(idle.isRunning()).as("no scheduler behind these checks").isFalse();
		}
	}

	@Test
	void startSchedulesTheChecksAndStopEndsThem() {
		IdleExit idle = idleExit(Duration.ofHours(1));
		idle.start();
		assertThat(idle.isRunning()).isTrue();
		idle.stop();
		assertThat(idle.isRunning()).isFalse();
		assertThat(this.exits).hasValue(0);
	}

	@Test
	void unsetNeverExits() {
		IdleExit idle = idleExit(null);
		idle.start();
		assertThat(idle.isRunning()).as("nothing scheduled").isFalse();
		this.clock.advance(Duration.ofDays(1));
		idle.check();
		assertThat(this.exits).hasValue(0);
		assertThat(this.signal.raised()).isFalse();
	}

	@Test
	void aDrainAlreadyUnderWayIsLeftAlone() {
		IdleExit idle = idleExit(Duration.ofSeconds(5));
		idle.startClock();
		try {
			this.signal.raise("shutting down");
			this.clock.advance(Duration.ofMinutes(1));
			idle.check();
			assertThat(this.exits).hasValue(0);
			assertThat(this.signal.reason()).isEqualTo("shutting down");
		}
		finally {
			assertThat(idle.isRunning()).as("no scheduler behind these checks").isFalse();
		}
	}

	@Test
	void theIdleClockStartsWhenTheWorkerStartsTakingJobs() {
		IdleExit idle = idleExit(Duration.ofSeconds(60));
		this.clock.advance(Duration.ofMinutes(5)); // e.g. loading models before the lifecycle starts
		idle.startClock();
		try {
			this.clock.advance(Duration.ofSeconds(30));
			idle.check();
			assertThat(this.exits).hasValue(0);
		}
		finally {
			assertThat(idle.isRunning()).as("no scheduler behind these checks").isFalse();
		}
	}

	@Test
	void bindsMaxIdleAndRejectsANonPositiveOne() {
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
			.withUserConfiguration(Config.class)
			.withPropertyValues("kiln.worker.model-cache=/tmp/models", "kiln.worker.models.m.type=builtin",
					"kiln.worker.models.m.location=file:/tmp/models/m");
		runner.run((context) -> assertThat(context.getBean(WorkerProperties.class).maxIdle()).isNull());
		runner.withPropertyValues("kiln.worker.max-idle=90s")
			.run((context) -> assertThat(context.getBean(WorkerProperties.class).maxIdle())
				.isEqualTo(Duration.ofSeconds(90)));
		runner.withPropertyValues("kiln.worker.max-idle=0s")
			.run((context) -> assertThat(context).getFailure().rootCause().hasMessageContaining("max-idle"));
	}

	private IdleExit idleExit(Duration maxIdle) {
		StaticListableBeanFactory beans = new StaticListableBeanFactory();
		beans.addBean("work", (WorkInHand) this.inHand::get);
		ObjectProvider<WorkInHand> work = beans.getBeanProvider(WorkInHand.class);
		return new IdleExit(maxIdle, work, this.clock, new WorkerExit(this.signal, this.exits::incrementAndGet));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(WorkerProperties.class)
	static class Config {

	}

	private static final class MutableClock extends Clock {

		private Instant now = START;

		void advance(Duration duration) {
			this.now = this.now.plus(duration);
		}

		@Override
		public Instant instant() {
			return this.now;
		}

		@Override
		public java.time.ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

	}

}
