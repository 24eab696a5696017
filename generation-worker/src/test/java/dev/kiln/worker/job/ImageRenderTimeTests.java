package dev.kiln.worker.job;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.model.ServedModel;
import dev.kiln.worker.render.ImageGenerator;
import dev.kiln.worker.render.RenderCheckpoint;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.RenderedImages;
import dev.kiln.worker.render.sd.ModelManifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.mockito.Mockito.mock;

/** Seconds per image of a pass, tagged by model, size and batch. */
class ImageRenderTimeTests {

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	@Test
	void recordsThePassTimeDividedByItsImagesTaggedBySizeAndBatch() {
		ServedModel sd15 = model("sd15", List.of(new ModelManifest.Size(512, 512), new ModelManifest.Size(768, 512)));
		// two jobs of 2 and 1 images shared a 6-second pass: 2 s per image, batch 3
		List<RenderRequest> requests = List.of(request(768, 512, 2), request(768, 512, 1));

		ImageRenderTime.record(this.meters, sd15, requests, fresh(2), results(Duration.ofSeconds(6), 2));

		Timer timer = this.meters.get("kiln.worker.render.image")
			.tag("model", "sd15")
			.tag("size", "768x512")
			.tag("batch", "3")
			.timer();
		assertThat(timer.count()).as("one sample per image").isEqualTo(3);
		assertThat(timer.mean(TimeUnit.MILLISECONDS)).isCloseTo(2000.0, within(0.001));
		assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isCloseTo(6000.0, within(0.001));
	}

	@Test
	void eachBatchSizeIsItsOwnSeries() {
		ServedModel sd15 = model("sd15", List.of(new ModelManifest.Size(512, 512)));

		ImageRenderTime.record(this.meters, sd15, List.of(request(512, 512, 1)), fresh(1),
				results(Duration.ofMillis(900), 1));
		ImageRenderTime.record(this.meters, sd15, List.of(request(512, 512, 4)), fresh(1),
				results(Duration.ofMillis(2000), 1));

		assertThat(this.meters.get("kiln.worker.render.image").tag("batch", "1").timer().mean(
				TimeUnit.MILLISECONDS)).isCloseTo(900.0, within(0.001));
		assertThat(this.meters.get("kiln.worker.render.image").tag("batch", "4").timer().mean(
				TimeUnit.MILLISECONDS)).isCloseTo(500.0, within(0.001));
	}

	@Test
	void aModelWithoutASizeListTagsItsSizesUnlistedSoTheyCannotMultiplySeries() {
		ServedModel builtin = model("kiln-builtin", List.of());

		ImageRenderTime.record(this.meters, builtin, List.of(request(64, 64, 1)), fresh(1),
				results(Duration.ofMillis(100), 1));
		ImageRenderTime.record(this.meters, builtin, List.of(request(128, 72, 1)), fresh(1),
				results(Duration.ofMillis(100), 1));

		assertThat(this.meters.get("kiln.worker.render.image").timers()).singleElement()
			.satisfies((timer) -> assertThat(timer.getId().getTag("size")).isEqualTo("unlisted"))
			.satisfies((timer) -> assertThat(timer.count()).isEqualTo(2));
	}

	@Test
	void aResumedPassIsNotRecorded() {
		ServedModel sd15 = model("sd15", List.of(new ModelManifest.Size(512, 512)));
		List<@Nullable RenderCheckpoint> resumed = new ArrayList<>();
		resumed.add(new RenderCheckpoint(20, 30, new float[] { 0f }, "test"));

		ImageRenderTime.record(this.meters, sd15, List.of(request(512, 512, 1)), resumed,
				results(Duration.ofMillis(300), 1));

		assertThat(this.meters.find("kiln.worker.render.image").timers()).isEmpty();
	}

	@Test
	void isExportedAsSecondsWithoutHistogramBuckets() {
		PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
		ServedModel sd15 = model("sd15", List.of(new ModelManifest.Size(512, 512)));

		ImageRenderTime.record(prometheus, sd15, List.of(request(512, 512, 2)), fresh(1),
				results(Duration.ofSeconds(3), 1));
		String scrape = prometheus.scrape();

		assertThat(scrape)
			.contains("kiln_worker_render_image_seconds_sum{batch=\"2\",model=\"sd15\",size=\"512x512\"} 3.0")
			.contains("kiln_worker_render_image_seconds_count{batch=\"2\",model=\"sd15\",size=\"512x512\"} 2")
			.contains("kiln_worker_render_image_seconds_max{batch=\"2\",model=\"sd15\",size=\"512x512\"} 1.5")
			.doesNotContain("kiln_worker_render_image_seconds_bucket");
	}

	private static ServedModel model(String id, List<ModelManifest.Size> sizes) {
		WorkerProperties.Model config = new WorkerProperties.Model(WorkerProperties.ModelType.SD_TORCHSCRIPT,
				"/models/" + id, "auto", null, null, null, null);
		return new ServedModel(id, mock(ImageGenerator.class), config,
				new ServedModel.Limits("sd-torchscript", 1_048_576, 150, 8, sizes, "sd1", "pndm", List.of("pndm")));
	}

	private static RenderRequest request(int width, int height, int images) {
		return new RenderRequest("a kiln", null, width, height, 30, 7.5, 1L, images, null);
	}

	private static List<@Nullable RenderCheckpoint> fresh(int jobs) {
		List<@Nullable RenderCheckpoint> none = new ArrayList<>();
		for (int i = 0; i < jobs; i++) {
			none.add(null);
		}
		return none;
	}

	/** Each job of a pass carries the pass's time, as the generators report it. */
	private static List<RenderedImages> results(Duration pass, int jobs) {
		List<RenderedImages> results = new ArrayList<>();
		for (int i = 0; i < jobs; i++) {
			results.add(new RenderedImages(List.of(new byte[] { 1 }), pass, "gpu(0)"));
		}
		return results;
	}

}
