package dev.kiln.localstack;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Stops a {@link LocalStack} in order and then ends the JVM, after a {@code --prompt} job or on SIGTERM, SIGINT
 * (Ctrl+C) or SIGHUP.
 *
 * <p>
 * The signals are handled here instead of by a JVM shutdown hook because the JVM runs all shutdown hooks at once:
 * embedded-redis, LocalS3 and ElasticMQ (Pekko) each register one, and they would stop Redis, S3 and SQS while the
 * services still use them. A service then blocks on a Redis command until its timeout and logs stack traces while
 * it stops. Handling the signal first stops the services, then the stores, and only then lets the JVM run its hooks,
 * which find nothing left to do. {@code sun.misc.Signal} (module {@code jdk.unsupported}) is the only way the JDK
 * offers to do so.
 */
final class Stopper {

	private static final Logger logger = LoggerFactory.getLogger(Stopper.class);

	/** How long stopping may take before the JVM exits anyway. */
	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private final LocalStack stack;

	private final PrintStream out;

	private final AtomicBoolean stopping = new AtomicBoolean();

	private final CountDownLatch never = new CountDownLatch(1);

	Stopper(LocalStack stack, PrintStream out) {
		this.stack = stack;
		this.out = out;
	}

	/** Stops the stack and exits on SIGTERM, SIGINT and SIGHUP; a second signal exits at once. */
	void stopOnSignals() {
		for (String name : List.of("TERM", "INT", "HUP")) {
			try {
				Signal.handle(new Signal(name), (signal) -> stopAndExit(128 + signal.getNumber(), "SIG" + name));
			}
			catch (IllegalArgumentException ex) {
				// not available on this platform, or reserved by the JVM (-Xrs): the JVM's default stays
				logger.debug("Cannot handle SIG{}: {}", name, ex.getMessage());
			}
		}
	}

	/** Whether the stack is being stopped. */
	boolean isStopping() {
		return this.stopping.get();
	}

	/**
	 * Stops the stack and exits the JVM with {@code status}. When another thread is already doing so, a signal
	 * exits at once and any other caller waits for that thread to end the JVM.
	 * @param status the exit status
	 * @param signal the signal that asked for it, or {@code null}
	 */
	void stopAndExit(int status, @Nullable String signal) {
		if (!this.stopping.compareAndSet(false, true)) {
			if (signal != null) {
				this.out.println("Stopping now (" + signal + " again).");
				System.exit(status);
			}
			awaitExit();
			return;
		}
		long begin = System.nanoTime();
		if (signal != null) {
			logger.info("{}: stopping", signal);
			this.out.println("Stopping Kiln...");
		}
		Thread watchdog = new Thread(() -> {
			try {
				Thread.sleep(TIMEOUT);
			}
			catch (InterruptedException ex) {
				return;
			}
			this.out.println("Kiln did not stop within " + TIMEOUT.toSeconds() + " s; exiting anyway.");
			System.exit((status != 0) ? status : 1);
		}, "kiln-stop-watchdog");
		watchdog.setDaemon(true);
		watchdog.start();
		this.stack.close();
		this.out.printf("Stopped in %.1f s.%n", (System.nanoTime() - begin) / 1e9);
		System.exit(status);
	}

	/** Blocks until another thread, which is stopping the stack, ends the JVM. */
	void awaitExit() {
		try {
			this.never.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
