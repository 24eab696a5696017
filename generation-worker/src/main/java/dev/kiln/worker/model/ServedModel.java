package dev.kiln.worker.model;

import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.render.ImageGenerator;

/**
 * A loaded model and the limits it renders within.
 *
 * @param id the model id
 * @param generator the loaded generator
 * @param limits its configured limits
 */
public record ServedModel(String id, ImageGenerator generator, WorkerProperties.Model limits) {

	/**
	 * Why this model cannot render a job of that shape, or {@code null} when it can.
	 * @param width width in pixels
	 * @param height height in pixels
	 * @param steps render steps
	 * @param images images requested
	 * @return a human-readable reason, or {@code null}
	 */
	public @org.jspecify.annotations.Nullable String refusal(int width, int height, int steps, int images) {
		if ((long) width * height > this.limits.maxPixels()) {
			return "Model '" + this.id + "' renders at most " + this.limits.maxPixels() + " pixels; " + width + "x"
					+ height + " is " + ((long) width * height);
		}
		if (steps > this.limits.maxSteps()) {
			return "Model '" + this.id + "' renders at most " + this.limits.maxSteps() + " steps; asked for " + steps;
		}
		if (images > this.limits.maxBatch()) {
			return "Model '" + this.id + "' renders at most " + this.limits.maxBatch() + " images per job; asked for "
					+ images;
		}
		return null;
	}

}
