package dev.kiln.worker.job;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

import dev.kiln.worker.drain.WorkInHand;

/**
 * What the worker has in hand right now: the messages it holds (whose visibility the heartbeat renews), the jobs it
 * leases (whose leases the heartbeat renews) and the jobs it renders (published as {@code busy} in its heartbeat and
 * as the {@code kiln_worker_busy} gauge).
 */
@Component
class WorkerActivity implements WorkInHand {

	private final Set<HeldMessage> held = ConcurrentHashMap.newKeySet();

	private final Set<String> leased = ConcurrentHashMap.newKeySet();

	private final List<String> rendering = new CopyOnWriteArrayList<>();

	private final Instant startedAt;

	WorkerActivity(Clock clock, MeterRegistry meters) {
		this.startedAt = clock.instant();
		Gauge.builder("kiln.worker.busy", this.rendering, (jobs) -> jobs.isEmpty() ? 0 : 1)
			.description("1 while the worker renders, else 0")
			.register(meters);
	}

	void hold(HeldMessage message) {
		this.held.add(message);
	}

	void letGo(HeldMessage message) {
		this.held.remove(message);
	}

	Set<HeldMessage> held() {
		return Set.copyOf(this.held);
	}

	void leased(String jobId) {
		this.leased.add(jobId);
	}

	void unleased(String jobId) {
		this.leased.remove(jobId);
	}

	Set<String> leases() {
		return Set.copyOf(this.leased);
	}

	void rendering(List<String> jobIds) {
		this.rendering.clear();
		this.rendering.addAll(jobIds);
	}

	void idle() {
		this.rendering.clear();
	}

	boolean busy() {
		return !this.rendering.isEmpty();
	}

	@Override
	public boolean any() {
		return busy() || !this.held.isEmpty() || !this.leased.isEmpty();
	}

	/** The first job rendering now, or {@code null}. */
	@Nullable String currentJob() {
		List<String> jobs = List.copyOf(this.rendering);
		return jobs.isEmpty() ? null : jobs.get(0);
	}

	Instant startedAt() {
		return this.startedAt;
	}

}
