package dev.kiln.worker.job;

import java.util.Set;

import dev.kiln.worker.render.RenderCancelledException;

/** Thrown between steps to stop a render: some of its jobs were cancelled, or the drain deadline passed. */
final class StopRender extends RenderCancelledException {

	private final Set<String> cancelled;

	private final int step;

	private StopRender(String message, Set<String> cancelled, int step) {
		super(message);
		this.cancelled = Set.copyOf(cancelled);
		this.step = step;
	}

	static StopRender cancelled(Set<String> jobIds, int step) {
		return new StopRender("Cancelled by their owner: " + jobIds, jobIds, step);
	}

	static StopRender drained(int step) {
		return new StopRender("The worker drains and the drain timeout has passed", Set.of(), step);
	}

	/** The jobs cancelled; empty when the render stopped for the drain. */
	Set<String> cancelledJobs() {
		return this.cancelled;
	}

	/** The last step finished. */
	int step() {
		return this.step;
	}

}
