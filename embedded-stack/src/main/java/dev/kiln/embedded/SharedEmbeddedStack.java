package dev.kiln.embedded;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * One embedded stack per test JVM, started on first use and stopped when the JVM exits, so that integration test
 * classes share it (and Spring's context cache can share their contexts).
 *
 * <pre class="code">
 * &#64;DynamicPropertySource
 * static void stack(DynamicPropertyRegistry registry) {
 *     SharedEmbeddedStack.register(registry);
 * }
 * </pre>
 */
public final class SharedEmbeddedStack {

	private static EmbeddedStack stack;

	private SharedEmbeddedStack() {
	}

	/** The stack, started if needed. */
	public static synchronized EmbeddedStack get() {
		if (stack == null) {
			EmbeddedStack started = EmbeddedStack.start();
			Runtime.getRuntime().addShutdownHook(new Thread(started::close, "embedded-stack-shutdown"));
			stack = started;
		}
		return stack;
	}

	/** Registers {@link EmbeddedStack#serviceProperties()} of the shared stack. */
	public static void register(DynamicPropertyRegistry registry) {
		get().serviceProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

}
