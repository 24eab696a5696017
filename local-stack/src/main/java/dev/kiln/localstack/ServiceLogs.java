package dev.kiln.localstack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.sift.SiftingAppender;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.sift.AbstractDiscriminator;
import ch.qos.logback.core.util.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import org.springframework.boot.logging.LoggingSystem;

/**
 * Sends each service's log to its own file, {@code <work dir>/logs/<service>.log}, although the four services share
 * one JVM and so one Logback context.
 *
 * <p>
 * Which service a log event belongs to is decided by the thread that logs it. Each service is started (and closed)
 * with its name in an {@link InheritableThreadLocal}; every thread it creates (Tomcat's, the scheduler's, Lettuce's
 * and Netty's event loops, the SQS listener's, virtual threads) copies the name when it is constructed, and so does
 * every thread those threads create. The alternatives do not hold: logger names are shared by the four services
 * (Spring, Tomcat and Lettuce classes log in all of them); Logback's MDC is a plain {@link ThreadLocal}, so it does
 * not reach the pool threads libraries create; and Spring Boot's {@code logging.file.name} configures the one
 * context of the JVM, so the last service started would win. The embedded SQS, S3 and Redis are recognised by their
 * logger names (ElasticMQ and Pekko, LocalS3, embedded-redis), which no service uses, because Pekko logs from its
 * own dispatcher threads. Anything else, such as JVM-wide threads, goes to {@code local-stack.log}.
 *
 * <p>
 * Spring Boot's logging system is switched off ({@link LoggingSystem#NONE}) so that starting a service does not reset
 * this configuration; the {@code java.util.logging} bridge it would install (gRPC logs through it) is installed here.
 */
final class ServiceLogs {

	/** The file for events no service claims. */
	static final String DEFAULT = "local-stack";

	/** The file for the embedded SQS, S3 and Redis. */
	static final String EMBEDDED = "embedded-stack";

	private static final InheritableThreadLocal<@Nullable String> SERVICE = new InheritableThreadLocal<>();

	/** Logger-name prefixes of the embedded stand-ins, whose threads may have been created by any service. */
	private static final Map<String, String> STAND_INS = Map.of("org.elasticmq", EMBEDDED, "org.apache.pekko",
			EMBEDDED, "com.robothy", EMBEDDED, "redis.embedded", EMBEDDED, "dev.kiln.embedded", EMBEDDED);

	private static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%15.15thread] %-40.40logger{39} : %msg%n";

	private ServiceLogs() {
	}

	/**
	 * Configures Logback for a local run: one file per service under {@code directory} (emptied first) and, when
	 * {@code console} is set, everything on the console as well, each line prefixed by its service. Whatever is
	 * written to {@link System#err} from now on is logged too (LocalS3 prints a stack trace there each time a client
	 * drops a pooled connection, which the AWS SDK does when a service stops).
	 * @param directory where the log files go
	 * @param console whether to print the logs too
	 * @return the standard error stream as it was, for the one line that reports a failure
	 */
	static PrintStream install(Path directory, boolean console) {
		System.setProperty(LoggingSystem.SYSTEM_PROPERTY, LoggingSystem.NONE);
		try {
			Files.createDirectories(directory);
			for (String name : List.of(DEFAULT, EMBEDDED, "queue-service", "generation-worker", "gateway",
					"autoscale-advisor")) {
				Files.deleteIfExists(directory.resolve(name + ".log"));
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not prepare the log directory " + directory, ex);
		}
		LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
		context.reset();

		LevelChangePropagator propagator = new LevelChangePropagator();
		propagator.setContext(context);
		propagator.setResetJUL(true);
		propagator.start();
		context.addListener(propagator);
		SLF4JBridgeHandler.removeHandlersForRootLogger();
		SLF4JBridgeHandler.install();

		SiftingAppender files = new SiftingAppender();
		files.setContext(context);
		files.setName("service-files");
		ServiceDiscriminator discriminator = new ServiceDiscriminator();
		discriminator.setContext(context);
		discriminator.start();
		files.setDiscriminator(discriminator);
		// a file is closed after this long without events; it is reopened in append mode when one comes
		files.setTimeout(Duration.buildByHours(1));
		files.setAppenderFactory((ctx, service) -> {
			FileAppender<ILoggingEvent> file = new FileAppender<>();
			file.setContext(ctx);
			file.setName(service);
			file.setFile(directory.resolve(service + ".log").toString());
			file.setAppend(true);
			file.setEncoder(encoder(ctx, PATTERN));
			file.start();
			return file;
		});
		files.start();

		Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
		root.setLevel(Level.INFO);
		root.addAppender(files);
		if (console) {
			PatternLayout pattern = new PatternLayout();
			pattern.setContext(context);
			pattern.setPattern(PATTERN);
			pattern.start();
			LayoutWrappingEncoder<ILoggingEvent> prefixed = new LayoutWrappingEncoder<>();
			prefixed.setContext(context);
			// the console appender writes on the logging thread, so the service is known here
			prefixed.setLayout(new LayoutBase<>() {
				@Override
				public String doLayout(ILoggingEvent event) {
					return "%-17s | %s".formatted(fileFor(event.getLoggerName()), pattern.doLayout(event));
				}
			});
			prefixed.start();
			ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
			out.setContext(context);
			out.setName("console");
			out.setEncoder(prefixed);
			out.start();
			root.addAppender(out);
		}
		// LocalS3 logs a stack trace for every HEAD of a missing bucket, which provisioning does on purpose.
		context.getLogger("com.robothy.netty.codec.HttpMessageHandler").setLevel(Level.OFF);
		PrintStream err = System.err;
		System.setErr(new PrintStream(new LineLogger(LoggerFactory.getLogger("stderr")), true, StandardCharsets.UTF_8));
		return err;
	}

	private static PatternLayoutEncoder encoder(ch.qos.logback.core.Context context, String pattern) {
		PatternLayoutEncoder encoder = new PatternLayoutEncoder();
		encoder.setContext(context);
		encoder.setPattern(pattern);
		encoder.start();
		return encoder;
	}

	/**
	 * Runs {@code action} as {@code service}: what it logs, and what every thread it creates logs, goes to that
	 * service's file.
	 * @param service the service's name, which is also its file's name
	 * @param action what to run
	 * @return what the action returned
	 */
	static <T> T as(String service, Supplier<T> action) {
		String previous = SERVICE.get();
		SERVICE.set(service);
		try {
			return action.get();
		}
		finally {
			SERVICE.set(previous);
		}
	}

	/** Like {@link #as(String, Supplier)} for an action without a result. */
	static void as(String service, Runnable action) {
		as(service, () -> {
			action.run();
			return null;
		});
	}

	/** The service the current thread works for, or {@link #DEFAULT}. */
	static String current() {
		String service = SERVICE.get();
		return (service != null) ? service : DEFAULT;
	}

	/** The file an event from this logger on the current thread goes to. */
	static String fileFor(String loggerName) {
		for (Map.Entry<String, String> standIn : STAND_INS.entrySet()) {
			if (loggerName.startsWith(standIn.getKey())) {
				return standIn.getValue();
			}
		}
		return current();
	}

	/** Logs each line written to it as a warning. */
	private static final class LineLogger extends OutputStream {

		private final org.slf4j.Logger logger;

		private final ByteArrayOutputStream line = new ByteArrayOutputStream();

		LineLogger(org.slf4j.Logger logger) {
			this.logger = logger;
		}

		@Override
		public synchronized void write(int b) {
			if (b == '\n') {
				flushLine();
			}
			else if (b != '\r') {
				this.line.write(b);
			}
		}

		@Override
		public synchronized void flush() {
			flushLine();
		}

		private void flushLine() {
			if (this.line.size() > 0) {
				this.logger.warn(this.line.toString(StandardCharsets.UTF_8));
				this.line.reset();
			}
		}

	}

	/** Keys Logback's {@link SiftingAppender} by {@link #fileFor(String)}. */
	static final class ServiceDiscriminator extends AbstractDiscriminator<ILoggingEvent> {

		@Override
		public String getDiscriminatingValue(ILoggingEvent event) {
			return fileFor(event.getLoggerName());
		}

		@Override
		public String getKey() {
			return "kiln.service";
		}

	}

}
