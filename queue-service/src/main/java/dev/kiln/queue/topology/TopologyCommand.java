package dev.kiln.queue.topology;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.PropertySource;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import dev.kiln.contract.Lane;
import dev.kiln.contract.QueueNames;
import dev.kiln.queue.QueueServiceProperties;
import dev.kiln.support.config.SharedProperties;

/**
 * {@code topology --format=helm-values}: prints the queues, dead-letter queues, redrive policy, visibility timeout,
 * bucket and retention that the configuration describes, as YAML values for the Helm chart, so that production queues
 * (created by infrastructure-as-code) match what {@code kiln.provision} creates locally. Binds the same {@code kiln.*}
 * configuration as the service, with the same validation, but starts nothing else: no listeners, no web server, no
 * AWS or Redis client.
 */
public final class TopologyCommand {

	/** The first program argument that selects this command. */
	public static final String NAME = "topology";

	private static final String FORMAT_OPTION = "--format=";

	private TopologyCommand() {
	}

	/**
	 * Runs the command.
	 * @param args {@code --format=helm-values} (the default and only format) and any {@code --kiln.*} overrides
	 * @param out where the values go
	 * @param err where errors go
	 * @return the process exit status
	 */
	public static int run(String[] args, PrintStream out, PrintStream err) {
		List<String> springArgs = new ArrayList<>();
		for (String arg : args) {
			if (arg.startsWith(FORMAT_OPTION)) {
				String format = arg.substring(FORMAT_OPTION.length());
				if (!format.equals("helm-values")) {
					err.println("Unknown format '" + format + "'; the only format is helm-values");
					return 2;
				}
			}
			else {
				springArgs.add(arg);
			}
		}
		SpringApplicationBuilder builder = new SpringApplicationBuilder(Config.class).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.properties(Map.of("logging.level.root", "OFF", "spring.main.register-shutdown-hook", "false"));
		try (ConfigurableApplicationContext context = builder.run(springArgs.toArray(String[]::new))) {
			out.print(helmValues(QueueTopology.of(context.getBean(QueueServiceProperties.class),
					context.getBean(SharedProperties.class))));
			out.flush();
			return 0;
		}
		catch (RuntimeException ex) {
			Throwable cause = ex;
			while (cause.getCause() != null) {
				cause = cause.getCause();
			}
			err.println("Invalid configuration: " + cause.getMessage());
			return 1;
		}
	}

	/** The topology as Helm values. */
	static String helmValues(QueueTopology topology) {
		QueueServiceProperties.Queues settings = topology.settings();
		QueueNames names = topology.names();
		Map<QueueAttributeName, String> work = topology.queues()
			.stream()
			.filter((queue) -> queue.name().equals(names.events()))
			.findFirst()
			.orElseThrow()
			.attributes();
		StringBuilder yaml = new StringBuilder();
		yaml.append("# Kiln queue topology, printed by `kiln-queue-service topology --format=helm-values`.\n");
		yaml.append("# Production queues and the bucket must match what kiln.provision creates locally.\n");
		yaml.append("queues:\n");
		yaml.append("  prefix: ").append(names.prefix()).append('\n');
		yaml.append("  visibilityTimeoutSeconds: ").append(work.get(QueueAttributeName.VISIBILITY_TIMEOUT)).append('\n');
		yaml.append("  messageRetentionSeconds: ").append(work.get(QueueAttributeName.MESSAGE_RETENTION_PERIOD))
			.append('\n');
		yaml.append("  deadLetterRetentionSeconds: ").append(QueueTopology.DEAD_LETTER_RETENTION_SECONDS).append('\n');
		yaml.append("  maxReceiveCount: ").append(settings.maxReceiveCount()).append('\n');
		yaml.append("  lanes:\n");
		for (Lane lane : Lane.values()) {
			yaml.append("    - lane: ").append(lane.wireName()).append('\n');
			queue(yaml, "      ", names.jobs(lane), names.deadLetters(lane), settings.maxReceiveCount());
		}
		yaml.append("  events:\n");
		queue(yaml, "    ", names.events(), names.eventsDeadLetters(), settings.maxReceiveCount());
		yaml.append("storage:\n");
		yaml.append("  bucket: \"").append(topology.bucket().replace("\\", "\\\\").replace("\"", "\\\""))
			.append("\"\n");
		yaml.append("  lifecycle:\n");
		yaml.append("    prefix: ").append(Provisioner.OUTPUTS_PREFIX).append('\n');
		yaml.append("    expirationDays: ").append(Provisioner.expirationDays(topology.retention())).append('\n');
		return yaml.toString();
	}

	private static void queue(StringBuilder yaml, String indent, String name, String deadLetterQueue,
			int maxReceiveCount) {
		yaml.append(indent).append("queue: ").append(name).append('\n');
		yaml.append(indent).append("deadLetterQueue: ").append(deadLetterQueue).append('\n');
		yaml.append(indent).append("redrivePolicy:\n");
		yaml.append(indent).append("  deadLetterTarget: ").append(deadLetterQueue).append('\n');
		yaml.append(indent).append("  maxReceiveCount: ").append(maxReceiveCount).append('\n');
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties({ QueueServiceProperties.class, SharedProperties.class })
	@ImportAutoConfiguration(ValidationAutoConfiguration.class)
	@PropertySource("classpath:kiln-queue.properties")
	static class Config {

	}

}
