package dev.kiln.gateway.job;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Takes confirmed jobs out of the outbox ({@code {kiln}:jobs:unsent}) off the request path: the request hands the id
 * over and returns; one thread removes whatever has gathered with one {@code ZREM} at a time. Nothing depends on the
 * removal being prompt: a job left in the outbox (the gateway stopped before the removal, Redis refused it) is sent
 * once more by the queue service's relay after its grace period, and workers drop the duplicate.
 */
@Component
class OutboxConfirmations implements DisposableBean {

	private static final Logger logger = LoggerFactory.getLogger(OutboxConfirmations.class);

	private static final int MAX_PER_CALL = 500;

	private final JobRepository repository;

	private final BlockingQueue<String> confirmed = new LinkedBlockingQueue<>(100_000);

	private final Thread remover;

	private volatile boolean running = true;

	OutboxConfirmations(JobRepository repository) {
		this.repository = repository;
		this.remover = Thread.ofPlatform().name("kiln-outbox-confirmations").daemon().start(this::run);
	}

	/** The job's message is in SQS: take it out of the outbox soon. */
	void confirmed(String jobId) {
		if (!this.confirmed.offer(jobId)) {
			logger.warn("Too many outbox removals pending; job {} stays for the relay to send again", jobId);
		}
	}

	private void run() {
		List<String> batch = new ArrayList<>();
		while (this.running || !this.confirmed.isEmpty()) {
			try {
				String first = this.confirmed.poll(100, TimeUnit.MILLISECONDS);
				if (first == null) {
					continue;
				}
				batch.add(first);
				this.confirmed.drainTo(batch, MAX_PER_CALL - 1);
				remove(batch);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			finally {
				batch.clear();
			}
		}
	}

	private void remove(List<String> jobIds) {
		try {
			this.repository.sent(jobIds);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not take {} confirmed job(s) out of the outbox; the relay will send them once more: {}",
					jobIds.size(), ex.toString());
		}
	}

	@Override
	public void destroy() throws InterruptedException {
		this.running = false;
		this.remover.join(5_000);
	}

}
