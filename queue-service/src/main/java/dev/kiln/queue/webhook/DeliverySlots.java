package dev.kiln.queue.webhook;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.springframework.stereotype.Component;

import dev.kiln.queue.QueueServiceProperties;

/**
 * Where webhook deliveries run: each on a virtual thread of its own, at most {@code kiln.webhooks.batch-size} at once,
 * so a slow receiver holds up nobody but itself. A slot is taken before a delivery is claimed and given back when its
 * attempt ends (or at once when the claim fails).
 */
@Component
class DeliverySlots {

	private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

	private final Semaphore free;

	/** How long a stop waits for the attempts in flight: one request timeout. */
	private final Duration stopWait;

	DeliverySlots(QueueServiceProperties properties) {
		this.free = new Semaphore(properties.webhooks().batchSize());
		this.stopWait = properties.webhooks().timeout().plusSeconds(1);
	}

	/** The slots free now. */
	int free() {
		return this.free.availablePermits();
	}

	/** Takes a slot, if one is free. */
	boolean tryTake() {
		return this.free.tryAcquire();
	}

	/** Gives back a slot taken for a delivery that did not start. */
	void giveBack() {
		this.free.release();
	}

	/** Runs a delivery in the slot taken for it, and gives the slot back when it ends. */
	void run(Runnable delivery) {
		this.threads.submit(() -> {
			try {
				delivery.run();
			}
			finally {
				this.free.release();
			}
		});
	}

	/**
	 * Lets the attempts in flight finish (one timeout at most). Called by the {@link WebhookDispatcher} as it is
	 * destroyed, so that it happens before the HTTP client of the requests closes: Spring destroys the dispatcher
	 * before the {@link WebhookRequests} it depends on, but knows no order between these slots and the client.
	 */
	void stop() throws InterruptedException {
		this.threads.shutdown();
		if (!this.threads.awaitTermination(this.stopWait.toMillis(), TimeUnit.MILLISECONDS)) {
			this.threads.shutdownNow();
		}
	}

}
