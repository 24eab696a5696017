package dev.kiln.embedded;

import java.net.URI;

import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

/** An in-process SQS endpoint (ElasticMQ) on loopback. Queues are created through the SQS API like in AWS. */
public final class EmbeddedSqs implements AutoCloseable {

	private final int port;

	private final SQSRestServer server;

	private EmbeddedSqs(int port, SQSRestServer server) {
		this.port = port;
		this.server = server;
	}

	/**
	 * Starts a server.
	 * @param port the port, {@code 0} for a free one
	 * @return the running server
	 */
	public static EmbeddedSqs start(int port) {
		int chosen = Ports.claim(port, "the embedded SQS server", "--sqs-port");
		SQSRestServer server = SQSRestServerBuilder.withPort(chosen)
			.withInterface("127.0.0.1")
			.withServerAddress(new NodeAddress("http", "localhost", chosen, ""))
			.withAWSRegion("us-east-1")
			.withAWSAccountId("000000000000")
			.start();
		server.waitUntilStarted();
		return new EmbeddedSqs(chosen, server);
	}

	/** The port it listens on. */
	public int port() {
		return this.port;
	}

	/** The SQS endpoint to point an AWS SDK client at. */
	public URI endpoint() {
		return URI.create("http://localhost:" + this.port);
	}

	@Override
	public void close() {
		this.server.stopAndWait();
	}

}
