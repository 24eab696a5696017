package dev.kiln.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Port helpers: pick a free loopback port, or fail early and clearly when a chosen one is taken. */
public final class Ports {

	private Ports() {
	}

	/** A loopback port that was free a moment ago. */
	public static int free() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not find a free loopback port", ex);
		}
	}

	/**
	 * Resolves {@code 0} to a free port and checks that any other port can be bound.
	 * @param port the port asked for, {@code 0} for any
	 * @param what what the port is for, used in the error message
	 * @param option the command-line option that changes it, used in the error message
	 * @return the port to use
	 * @throws PortInUseException when the port is taken
	 */
	public static int claim(int port, String what, String option) {
		if (port == 0) {
			return free();
		}
		if (port < 1 || port > 65535) {
			throw new IllegalArgumentException(what + " port " + port + " is not between 1 and 65535");
		}
		try (ServerSocket socket = new ServerSocket()) {
			socket.setReuseAddress(true);
			socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
			return port;
		}
		catch (IOException ex) {
			throw new PortInUseException(what, port, option);
		}
	}

	/** A port needed by the stack is already taken by another process. */
	public static final class PortInUseException extends IllegalStateException {

		PortInUseException(String what, int port, String option) {
			super("Port " + port + " for " + what + " is already in use. Stop whatever listens there, or choose another "
					+ "port with " + option + "=<port> (0 picks a free one).");
		}

	}

}
