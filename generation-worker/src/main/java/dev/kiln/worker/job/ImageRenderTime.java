package dev.kiln.worker.job;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

import dev.kiln.worker.model.ServedModel;
import dev.kiln.worker.render.RenderCheckpoint;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.RenderedImages;

/**
 * Render seconds per image, {@code kiln_worker_render_image_seconds{model, size, batch}}: a forward pass's time
 * divided by its images, one sample per image, so {@code _count} counts the images rendered and
 * {@code _sum / _count} is the mean time per image. It answers "what does an image cost at this size and batch" where
 * {@code kiln_worker_render_seconds} (per job, whatever it shared its pass with) cannot; the dashboard's images per
 * GPU-hour divide its {@code _count} by the GPUs.
 * <p>
 * Tags stay few, bounded by configuration: {@code batch} is the pass's image count (1 to the model's
 * {@code max-batch}, at most 64); {@code size} is {@code WxH} for a model that lists its sizes (every
 * {@code sd-torchscript} model's {@code kiln-model.json} does) and {@code unlisted} for one that renders any size up
 * to its pixel limit (the built-in and no-op models), which would otherwise make a series per size asked for. No
 * histogram buckets: the mean ({@code _sum / _count}) and {@code _max} are what a per-image cost needs, and buckets
 * would multiply the series by some seventy.
 * <p>
 * A pass that resumes a job from a checkpoint renders only its remaining steps, so it is not recorded (its images are
 * missing from the count: a resumed job is rare, after a spot interruption or a drain). A pass that fails is not
 * recorded either.
 */
final class ImageRenderTime {

	static final String NAME = "kiln.worker.render.image";

	private ImageRenderTime() {
	}

	/**
	 * Records one successful pass.
	 * @param meters where the timer lives
	 * @param model the model that rendered the pass
	 * @param requests the pass's jobs (same size: they shared a pass)
	 * @param resumeFrom each job's checkpoint, or {@code null} when it started from the first step
	 * @param results each job's images; each carries the pass's time
	 */
	static void record(MeterRegistry meters, ServedModel model, List<RenderRequest> requests,
			List<@Nullable RenderCheckpoint> resumeFrom, List<RenderedImages> results) {
		int images = requests.stream().mapToInt(RenderRequest::numImages).sum();
		if (images == 0 || results.isEmpty() || resumeFrom.stream().anyMatch(Objects::nonNull)) {
			return;
		}
		Duration pass = results.stream().map(RenderedImages::renderTime).max(Duration::compareTo).orElseThrow();
		RenderRequest first = requests.get(0);
		Timer timer = Timer.builder(NAME)
			.description("Render time per image: a forward pass's time divided by its images, one sample per image")
			.tag("model", model.id())
			.tag("size", size(model, first.width(), first.height()))
			.tag("batch", Integer.toString(images))
			.register(meters);
		Duration each = pass.dividedBy(images);
		for (int i = 0; i < images; i++) {
			timer.record(each);
		}
	}

	private static String size(ServedModel model, int width, int height) {
		return model.limits().sizes().isEmpty() ? "unlisted" : width + "x" + height;
	}

}
