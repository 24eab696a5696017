package dev.kiln.embedded;

import java.net.URI;

import com.robothy.s3.rest.LocalS3;
import com.robothy.s3.rest.bootstrap.LocalS3Mode;

/**
 * An in-process S3 endpoint (LocalS3) on loopback, kept in memory. Clients must use path-style access. It does not
 * check request signatures, presigned ones included.
 */
public final class EmbeddedS3 implements AutoCloseable {

	private final LocalS3 server;

	private final int port;

	private EmbeddedS3(LocalS3 server, int port) {
		this.server = server;
		this.port = port;
	}

	/**
	 * Starts a server.
	 * @param port the port, {@code 0} for a free one
	 * @return the running server
	 */
	public static EmbeddedS3 start(int port) {
		int chosen = Ports.claim(port, "the embedded S3 server", "--s3-port");
		LocalS3 server = LocalS3.builder().port(chosen).mode(LocalS3Mode.IN_MEMORY).build();
		server.start();
		return new EmbeddedS3(server, chosen);
	}

	/** The port it listens on. */
	public int port() {
		return this.port;
	}

	/** The S3 endpoint to point an AWS SDK client at (path-style). */
	public URI endpoint() {
		return URI.create("http://localhost:" + this.port);
	}

	@Override
	public void close() {
		this.server.shutdown();
	}

}
