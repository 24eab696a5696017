package dev.kiln.support.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Keeps the per-service names of the {@link SharedProperties shared settings} working for one release, in both
 * directions, so that a service that still reads its old name sees the shared value:
 * <ul>
 * <li>a shared name that is set (e.g. {@code kiln.retention}) fills each old name that is not
 * ({@code kiln.gateway.retention});</li>
 * <li>an old name that is set while the shared one is not fills the shared one, with a deprecation warning;</li>
 * <li>a shared and an old name set to different values stop the service at start-up, naming both.</li>
 * </ul>
 * Runs after the configuration files are read; what it fills sits last, below every real property source.
 */
public class SharedPropertyAliases implements EnvironmentPostProcessor, Ordered {

	/** The name of the property source this adds. */
	public static final String SOURCE_NAME = "kilnSharedPropertyAliases";

	/** Each shared name with the per-service names it replaces (deprecated, removed in the next release). */
	static final Map<String, List<String>> ALIASES = Map.of(
			"kiln.retention", List.of("kiln.gateway.retention"),
			"kiln.callbacks.allow-http", List.of("kiln.gateway.callbacks.allow-http", "kiln.webhooks.allow-http"),
			"kiln.callbacks.allow-non-default-ports",
			List.of("kiln.gateway.callbacks.allow-non-default-ports", "kiln.webhooks.allow-non-default-ports"),
			"kiln.callbacks.allow-private-networks",
			List.of("kiln.gateway.callbacks.allow-private-networks", "kiln.webhooks.allow-private-networks"));

	private final Log log;

	/**
	 * Created by Spring Boot.
	 * @param logs the logs of the start-up, written once logging is set up
	 */
	public SharedPropertyAliases(DeferredLogFactory logs) {
		this.log = logs.getLog(SharedPropertyAliases.class);
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		Map<String, Object> filled = new LinkedHashMap<>();
		ALIASES.forEach((shared, olds) -> {
			String value = environment.getProperty(shared);
			String from = shared;
			for (String old : olds) {
				String oldValue = environment.getProperty(old);
				if (oldValue == null) {
					continue;
				}
				if (value == null) {
					this.log.warn(old + " is deprecated; set " + shared + " (every service reads it) instead");
					value = oldValue;
					from = old;
					filled.put(shared, oldValue);
				}
				else if (!same(value, oldValue)) {
					throw new IllegalStateException(from + " is '" + value + "' but " + old + " is '" + oldValue
							+ "': they must agree; set only " + shared + " (" + old + " is deprecated)");
				}
			}
			if (value != null) {
				for (String old : olds) {
					if (environment.getProperty(old) == null) {
						filled.put(old, value);
					}
				}
			}
		});
		if (!filled.isEmpty()) {
			environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME, filled));
		}
	}

	/** Whether two spellings are one value; {@code 7d} and {@code 168h} are not (set only the shared name). */
	private static boolean same(String a, String b) {
		return a.trim().equalsIgnoreCase(b.trim());
	}

}
