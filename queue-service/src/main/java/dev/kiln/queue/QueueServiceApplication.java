package dev.kiln.queue;

import java.util.Arrays;

import org.springframework.boot.SpringApplication;
import org.springframework.context.annotation.PropertySource;
import org.springframework.scheduling.annotation.EnableScheduling;

import dev.kiln.queue.topology.TopologyCommand;
import dev.kiln.support.boot.KilnService;

/**
 * Owns the job lifecycle behind the gateway: queue topology, worker events folded into the job state machine, dead
 * letters and redrive, stuck-job recovery, webhooks and retention. Defaults live in {@code kiln-queue.properties} so
 * the services can share one JVM in the local stack.
 * <p>
 * {@code java -jar kiln-queue-service.jar topology [--format=helm-values] [--kiln.*=...]} prints the queue topology as
 * values for the Helm chart and exits without starting the service.
 */
@KilnService
@EnableScheduling
@PropertySource("classpath:kiln-queue.properties")
public class QueueServiceApplication {

	public static void main(String[] args) {
		if (args.length > 0 && args[0].equals(TopologyCommand.NAME)) {
			System.exit(TopologyCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
		}
		SpringApplication.run(QueueServiceApplication.class, args);
	}

}
