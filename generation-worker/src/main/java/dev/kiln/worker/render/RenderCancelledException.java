package dev.kiln.worker.render;

/** Thrown by a {@link StepListener} to stop a render between two steps. */
public class RenderCancelledException extends RuntimeException {

	public RenderCancelledException(String message) {
		super(message);
	}

}
