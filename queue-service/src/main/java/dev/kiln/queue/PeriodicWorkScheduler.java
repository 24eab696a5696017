package dev.kiln.queue;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import lombok.RequiredArgsConstructor;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;

/**
 * Schedules every {@link PeriodicWork} bean once the application is ready (not before: listeners, provisioning and
 * the web server are up by then), each at its own fixed delay. A round that fails is logged, under the work's own
 * logger, and the next one runs one interval later: a sweep never stops because Redis or SQS was away for a while.
 */
@Component
@RequiredArgsConstructor
class PeriodicWorkScheduler {

	private final List<PeriodicWork> works;

	private final TaskScheduler scheduler;

	private final Clock clock;

	@EventListener(ApplicationReadyEvent.class)
	void schedule() {
		for (PeriodicWork work : this.works) {
			PeriodicWork.Schedule schedule = work.schedule();
			if (schedule.enabled()) {
				Instant now = this.clock.instant();
				Instant first = schedule.startsAtOnce() ? now : now.plus(schedule.interval());
				this.scheduler.scheduleWithFixedDelay(() -> runLogged(work, schedule), first, schedule.interval());
			}
		}
	}

	private static void runLogged(PeriodicWork work, PeriodicWork.Schedule schedule) {
		try {
			work.runRound();
		}
		catch (RuntimeException ex) {
			LoggerFactory.getLogger(work.getClass())
				.warn("{} failed; trying again in {}", schedule.name(), schedule.interval(), ex);
		}
	}

}
