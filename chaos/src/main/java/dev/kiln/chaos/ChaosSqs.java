package dev.kiln.chaos;

import java.net.URI;

import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.elasticmq.NodeAddress;
import org.elasticmq.StrictSQSLimits$;
import org.elasticmq.actor.QueueManagerActor;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.elasticmq.util.NowProvider;
import scala.Option;

import dev.kiln.embedded.Ports;

/**
 * An ElasticMQ SQS endpoint whose HTTP server can be stopped and started again on the same port while the queues and
 * their messages (the queue manager actor) live on: an SQS outage as clients see it (connections refused, then the
 * same queues and messages, visibility timers having kept running), never a loss of stored messages, which SQS, a
 * replicated regional service, does not have.
 */
final class ChaosSqs implements AutoCloseable {

	private final int port;

	private final ActorSystem system;

	private final ActorRef queueManager;

	private SQSRestServer server;

	private ChaosSqs(int port, ActorSystem system, ActorRef queueManager) {
		this.port = port;
		this.system = system;
		this.queueManager = queueManager;
		this.server = bind();
	}

	static ChaosSqs start() {
		int port = Ports.claim(0, "the chaos SQS server", "-");
		ActorSystem system = ActorSystem.create("kiln-chaos-sqs");
		ActorRef manager = system.actorOf(Props.create(QueueManagerActor.class, new NowProvider(),
				StrictSQSLimits$.MODULE$, Option.empty()));
		return new ChaosSqs(port, system, manager);
	}

	private SQSRestServer bind() {
		SQSRestServer started = SQSRestServerBuilder.withActorSystem(this.system)
			.withQueueManagerActor(this.queueManager)
			.withPort(this.port)
			.withInterface("127.0.0.1")
			.withServerAddress(new NodeAddress("http", "localhost", this.port, ""))
			.withAWSRegion("us-east-1")
			.withAWSAccountId("000000000000")
			.start();
		started.waitUntilStarted();
		return started;
	}

	/** Stops accepting connections; queues and messages stay. */
	synchronized void stop() {
		this.server.stopAndWait();
	}

	/** Listens again on the same port, serving the same queues and messages. */
	synchronized void resume() {
		this.server = bind();
	}

	URI endpoint() {
		return URI.create("http://localhost:" + this.port);
	}

	@Override
	public synchronized void close() {
		try {
			this.server.stopAndWait();
		}
		finally {
			this.system.terminate();
		}
	}

}
