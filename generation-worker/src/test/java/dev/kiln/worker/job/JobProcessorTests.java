package dev.kiln.worker.job;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import ai.djl.engine.EngineException;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobEventType;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.worker.WorkerProperties;
import dev.kiln.worker.drain.DrainSignal;
import dev.kiln.worker.model.ModelRegistry;
import dev.kiln.worker.model.ServedModel;
import dev.kiln.worker.render.ImageGenerator;
import dev.kiln.worker.render.InitImage;
import dev.kiln.worker.render.RenderCheckpoint;
import dev.kiln.worker.render.RenderMonitor;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.RenderedImages;
import dev.kiln.worker.render.StepListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

/**
 * How a receive's jobs end when the GPU runs out of memory or a checkpoint belongs to another model, with the queues,
 * the store and the records stubbed and a generator that fails like libtorch does.
 */
class JobProcessorTests {

	/** What libtorch 2.x's caching allocator says, as DJL's JNI layer throws it (c10::Error → EngineException). */
	private static final String CUDA_OOM = "CUDA out of memory. Tried to allocate 2.25 GiB. GPU 0 has a total "
			+ "capacity of 22.09 GiB of which 1.02 GiB is free. Including non-PyTorch memory, this process has 21.06 GiB "
			+ "memory in use. Of the allocated memory 19.80 GiB is allocated by PyTorch, and 0.96 GiB is reserved by "
			+ "PyTorch but unallocated. If reserved but unallocated memory is large try setting "
			+ "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.";

	/** The same error raised inside a TorchScript module: the interpreter's traceback comes first. */
	private static final String CUDA_OOM_IN_TORCHSCRIPT = """
			The following operation failed in the TorchScript interpreter.
			Traceback of TorchScript, serialized code (most recent call last):
			  File "code/__torch__/diffusers/models/unet_2d_condition.py", line 42, in forward
			RuntimeError: CUDA out of memory. Tried to allocate 1.50 GiB. GPU 0 has a total capacity of 22.09 GiB""";

	private final EventPublisher events = mock();

	private final OutputStore outputs = mock();

	private final InputImages inputs = mock();

	private final JobRecords records = mock();

	private final JobQueues queues = mock();

	private final ModelRegistry registry = mock();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final StubGenerator generator = new StubGenerator();

	private final DrainSignal drainSignal = new DrainSignal();

	private WorkerProperties properties;

	private ServedModel model;

	private JobProcessor processor;

	@BeforeEach
	void wire() {
		this.properties = properties("pndm");
		this.model = new ServedModel("sd15", this.generator, this.properties.models().get("sd15"));
		given(this.registry.find("sd15")).willReturn(Optional.of(this.model));
		given(this.registry.ids()).willReturn(List.of("sd15"));
		given(this.records.claim(any(), any(), any()))
			.willReturn(new JobRecords.Claim(JobRecords.Standing.OPEN, null));
		given(this.events.publishAsync(any())).willReturn(CompletableFuture.completedFuture(null));
		given(this.outputs.write(any(), any(), any())).willAnswer((call) -> {
			JobMessage job = call.getArgument(0);
			return List.of("jobs/acme/" + job.jobId() + "/0.png");
		});
		Clock clock = Clock.systemUTC();
		Holdings holdings = new Holdings(this.queues, this.records, new WorkerActivity(clock, this.meters),
				this.properties);
		this.processor = new JobProcessor(this.registry, this.inputs, holdings, this.outputs,
				new WorkerEvents(this.events, clock, this.properties), new JobSpans(Tracer.NOOP, Propagator.NOOP),
				new DrainState(this.drainSignal, this.properties), this.meters, this.properties,
				new JobPolicies().retryBackoff(this.properties));
	}

	@Test
	void aBatchThatRunsOutOfGpuMemoryIsRenderedAgainInHalvesUntilItFits() {
		this.generator.maxImages = 2;
		List<JobMessage> jobs = List.of(job("a", 1), job("b", 1), job("c", 1), job("d", 1));

		this.processor.process(messages(jobs));

		assertThat(this.generator.batchSizes).containsExactly(4, 2, 2);
		for (JobMessage job : jobs) {
			assertThat(published(job, JobEventType.STARTED)).as("one STARTED per job").hasSize(1);
			assertThat(published(job, JobEventType.SUCCEEDED)).hasSize(1);
			assertThat(writtenImages(job)).as("each job keeps its own images")
				.containsExactly("png " + job.prompt() + " seed " + job.seed());
		}
		verify(this.queues, never()).changeVisibility(any(), anyInt());
		assertThat(this.meters.get("kiln.worker.out.of.memory").tag("model", "sd15").counter().count()).isEqualTo(1);
		assertThat(this.meters.get("kiln.worker.jobs").tag("outcome", "succeeded").counter().count()).isEqualTo(4);
	}

	@Test
	void aJobThatDoesNotFitAloneFailsWithOutOfMemoryWhileItsBatchMatesSucceed() {
		this.generator.maxImages = 2;
		this.generator.failure = CUDA_OOM_IN_TORCHSCRIPT;
		JobMessage big = job("big", 3);
		JobMessage small1 = job("small one", 1);
		JobMessage small2 = job("small two", 1);
		List<JobMessage> jobs = List.of(big, small1, small2);
		List<HeldMessage> messages = messages(jobs);

		this.processor.process(messages);

		assertThat(this.generator.batchSizes).containsExactly(3, 1, 2);
		List<JobEvent> failed = published(big, JobEventType.FAILED);
		assertThat(failed).singleElement().satisfies((event) -> {
			assertThat(event.errorType()).isEqualTo("out-of-memory");
			assertThat(event.errorDetail()).contains("3 image(s) of 64x64 alone")
				.contains("CUDA out of memory. Tried to allocate 1.50 GiB")
				.doesNotContain("TorchScript interpreter");
		});
		verify(this.queues).delete(messages.get(0));
		verify(this.outputs, never()).write(eq(big), any(), any());
		assertThat(published(small1, JobEventType.SUCCEEDED)).hasSize(1);
		assertThat(published(small2, JobEventType.SUCCEEDED)).hasSize(1);
		assertThat(writtenImages(small2)).containsExactly("png small two seed " + small2.seed());
		verify(this.queues, never()).changeVisibility(any(), anyInt());
		assertThat(this.meters.get("kiln.worker.out.of.memory").counter().count()).isEqualTo(2);
	}

	@Test
	void aRequestTheModelRefusesFailsAloneWhileItsBatchMatesRender() {
		JobMessage a = job("a", 1);
		JobMessage b = job("b", 1);
		JobMessage bad = new JobMessage(1, JobIds.next(), "acme", "sd15", "bad", null, 64, 64, 10, -1, 3, 1,
				Lane.STANDARD, Instant.now(), null);
		JobMessage d = job("d", 1);
		List<HeldMessage> messages = messages(List.of(a, b, bad, d));

		this.processor.process(messages);

		// 4 refused; halves: [a b] renders, [bad d] refused; then bad alone (refused for good) and d alone
		assertThat(this.generator.batchSizes).containsExactly(4, 2, 2, 1, 1);
		assertThat(published(bad, JobEventType.FAILED)).singleElement().satisfies((event) -> {
			assertThat(event.errorType()).isEqualTo("invalid-request");
			assertThat(event.errorDetail()).contains("guidanceScale");
		});
		assertThat(published(bad, JobEventType.SUCCEEDED)).isEmpty();
		for (JobMessage job : List.of(a, b, d)) {
			assertThat(published(job, JobEventType.SUCCEEDED)).as(job.prompt()).hasSize(1);
			assertThat(published(job, JobEventType.FAILED)).as(job.prompt()).isEmpty();
			assertThat(published(job, JobEventType.STARTED)).as("STARTED once, not per pass").hasSize(1);
			assertThat(writtenImages(job)).containsExactly("png " + job.prompt() + " seed " + job.seed());
		}
		messages.forEach((message) -> verify(this.queues).delete(message));
		verify(this.queues, never()).changeVisibility(any(), anyInt());
	}

	@Test
	void anInitImageJobForAModelThatRendersTextToImageOnlyFailsAtOnceInsteadOfRenderingFromNoise() {
		JobMessage job = imageToImage("from a photo", "in-1", null);
		List<HeldMessage> messages = messages(List.of(job));

		this.processor.process(messages);

		assertThat(failedAtOnce(job)).singleElement().satisfies((event) -> {
			assertThat(event.errorType()).isEqualTo("invalid-request");
			assertThat(event.errorDetail()).contains("cannot start from an init image");
		});
		assertThat(this.generator.batchSizes).isEmpty();
		verify(this.inputs, never()).read(any());
		verify(this.queues).delete(messages.get(0));
	}

	@Test
	void aClipSkipJobForAModelThatCannotSkipLayersFailsAtOnce() {
		JobMessage job = new JobMessage(2, JobIds.next(), "acme", "sd15", "skip", null, 64, 64, 10, 7.5, 1, 1,
				Lane.STANDARD, Instant.now(), null, null, null, null, 1);

		this.processor.process(messages(List.of(job)));

		assertThat(failedAtOnce(job)).singleElement().satisfies((event) -> {
			assertThat(event.errorType()).isEqualTo("invalid-request");
			assertThat(event.errorDetail()).contains("cannot skip text encoder layers");
		});
		assertThat(this.generator.batchSizes).isEmpty();
	}

	@Test
	void anInitImageJobRendersFromItsDownloadedImageAloneAndNeverFromACheckpoint() {
		imageToImageModel();
		JobMessage photo = imageToImage("from a photo", "in-1", null);
		JobMessage plain = job("plain", 1);
		InitImage init = new InitImage(64, 64, new float[3 * 64 * 64], 0.5);
		given(this.inputs.read(photo)).willReturn(init);

		this.processor.process(messages(List.of(photo, plain)));

		assertThat(published(photo, JobEventType.SUCCEEDED)).hasSize(1);
		assertThat(published(plain, JobEventType.SUCCEEDED)).hasSize(1);
		// not batched with the text-to-image job: their timesteps differ
		assertThat(this.generator.batchSizes).containsExactly(1, 1);
		assertThat(this.generator.requests).anySatisfy((request) -> assertThat(request.initImage()).isSameAs(init));
		verify(this.outputs, never()).readCheckpoint(photo);
	}

	@Test
	void anInitImageThatIsGoneFailsTheJobForGood() {
		imageToImageModel();
		JobMessage job = imageToImage("from a photo", "in-gone", null);
		given(this.inputs.read(job)).willThrow(new PermanentJobFailure("invalid-request", "Init image 'in-gone' does"
				+ " not exist"));

		this.processor.process(messages(List.of(job)));

		assertThat(failedAtOnce(job)).singleElement()
			.satisfies((event) -> assertThat(event.errorType()).isEqualTo("invalid-request"));
		assertThat(this.generator.batchSizes).isEmpty();
	}

	/** The FAILED events sent when the job was refused before rendering (no STARTED went out before them). */
	private List<JobEvent> failedAtOnce(JobMessage job) {
		ArgumentCaptor<JobEvent> sent = ArgumentCaptor.captor();
		verify(this.events, atLeastOnce()).publish(sent.capture());
		verify(this.events, never()).publishAsync(any());
		return sent.getAllValues()
			.stream()
			.filter((event) -> event.jobId().equals(job.jobId()) && event.type() == JobEventType.FAILED)
			.toList();
	}

	private void imageToImageModel() {
		ServedModel.Limits limits = this.model.limits();
		this.model = new ServedModel("sd15", this.generator, this.model.config(), new ServedModel.Limits(limits.type(),
				limits.maxPixels(), limits.maxSteps(), limits.maxBatch(), limits.sizes(), limits.family(),
				limits.scheduler(), limits.schedulers(), true, 0));
		given(this.registry.find("sd15")).willReturn(Optional.of(this.model));
	}

	private static JobMessage imageToImage(String prompt, String input, @Nullable Integer clipSkip) {
		return new JobMessage(2, JobIds.next(), "acme", "sd15", prompt, null, 64, 64, 10, 7.5, 5, 1, Lane.STANDARD,
				Instant.now(), null, null, input, 0.5, clipSkip);
	}

	@Test
	void publishesTheImagesOfEveryPassAsAHistogramWithABucketPerSizeUpToTheMaxBatch() {
		this.processor.process(messages(List.of(job("a", 1), job("b", 2), job("c", 1))));
		this.processor.process(messages(List.of(job("e", 1))));

		DistributionSummary sizes = this.meters.get("kiln.worker.batch.size").tag("model", "sd15").summary();
		assertThat(sizes.count()).isEqualTo(2);
		assertThat(sizes.totalAmount()).isEqualTo(5);
		HistogramSnapshot snapshot = sizes.takeSnapshot();
		// max-batch 8 (properties below): buckets le 1, 2, ..., 8
		assertThat(snapshot.histogramCounts()).extracting(CountAtBucket::bucket)
			.containsExactly(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0);
		assertThat(snapshot.histogramCounts()).filteredOn((bucket) -> bucket.bucket() == 1.0)
			.singleElement().extracting(CountAtBucket::count).isEqualTo(1.0);
		assertThat(snapshot.histogramCounts()).filteredOn((bucket) -> bucket.bucket() == 4.0)
			.singleElement().extracting(CountAtBucket::count).isEqualTo(2.0);
	}

	@Test
	void anotherEngineFaultIsStillTransient() {
		this.generator.maxImages = 0;
		this.generator.failure = "CUDA error: an illegal memory access was encountered";
		JobMessage job = job("a", 1);
		List<HeldMessage> messages = messages(List.of(job));

		this.processor.process(messages);

		assertThat(published(job, JobEventType.RELEASED)).singleElement()
			.satisfies((event) -> assertThat(event.errorType()).isEqualTo("transient"));
		verify(this.queues).changeVisibility(eq(messages.get(0)), anyInt());
		verify(this.queues, never()).delete(any());
	}

	@Test
	void resumesFromACheckpointItsOwnModelWroteAndStampsTheCheckpointsItWrites() {
		JobMessage job = job("a", 1);
		given(this.outputs.readCheckpoint(job)).willReturn(
				new RenderCheckpoint(3, job.steps(), new float[] { 1, 2 }).withOrigin(JobProcessor.origin(this.model))
					.toBytes());
		this.generator.checkpointAt = 6;

		this.processor.process(messages(List.of(job)));

		assertThat(this.generator.resumedFrom).singleElement().satisfies((checkpoint) -> {
			assertThat(checkpoint).isNotNull();
			assertThat(checkpoint.step()).isEqualTo(3);
		});
		ArgumentCaptor<byte[]> written = ArgumentCaptor.captor();
		verify(this.outputs, atLeastOnce()).writeCheckpoint(eq(job), written.capture());
		assertThat(RenderCheckpoint.fromBytes(written.getValue()).origin()).isEqualTo("sd15 sd-torchscript pndm "
				+ "file:/models/sd15");
		assertThat(published(job, JobEventType.SUCCEEDED)).hasSize(1);
	}

	@Test
	void aCheckpointWrittenByAnotherSchedulerIsDiscardedAndTheJobStartsOver() {
		ServedModel ddim = new ServedModel("sd15", this.generator, properties("ddim").models().get("sd15"));
		JobMessage job = job("a", 1);
		given(this.outputs.readCheckpoint(job)).willReturn(
				new RenderCheckpoint(3, job.steps(), new float[] { 1, 2 }).withOrigin(JobProcessor.origin(ddim))
					.toBytes());

		this.processor.process(messages(List.of(job)));

		assertThat(this.generator.resumedFrom).containsExactly((RenderCheckpoint) null);
		assertThat(published(job, JobEventType.SUCCEEDED)).hasSize(1);
		assertThat(published(job, JobEventType.FAILED)).isEmpty();
	}

	@Test
	void aCheckpointThatNamesNoModelIsDiscardedAndTheJobStartsOver() {
		JobMessage job = job("a", 1);
		given(this.outputs.readCheckpoint(job)).willReturn(version1Checkpoint(3, job.steps()));

		this.processor.process(messages(List.of(job)));

		assertThat(this.generator.resumedFrom).containsExactly((RenderCheckpoint) null);
		assertThat(published(job, JobEventType.SUCCEEDED)).hasSize(1);
	}

	@Test
	void aCheckpointTheModelRefusesIsDroppedAndTheJobStartsOverInsteadOfFailing() {
		JobMessage job = job("a", 1);
		given(this.outputs.readCheckpoint(job)).willReturn(
				new RenderCheckpoint(3, job.steps(), new float[] { 1, 2 }).withOrigin(JobProcessor.origin(this.model))
					.toBytes());
		this.generator.refuseCheckpoints = true;

		this.processor.process(messages(List.of(job)));

		assertThat(this.generator.resumedFrom).hasSize(2).last().isNull();
		assertThat(published(job, JobEventType.SUCCEEDED)).hasSize(1);
		assertThat(published(job, JobEventType.FAILED)).isEmpty();
		assertThat(published(job, JobEventType.STARTED)).hasSize(1);
	}

	private List<JobEvent> published(JobMessage job, JobEventType type) {
		ArgumentCaptor<JobEvent> sent = ArgumentCaptor.captor();
		verify(this.events, atLeastOnce()).publish(sent.capture());
		List<JobEvent> all = new ArrayList<>(sent.getAllValues());
		ArgumentCaptor<JobEvent> async = ArgumentCaptor.captor();
		verify(this.events, atLeastOnce()).publishAsync(async.capture());
		all.addAll(async.getAllValues());
		return all.stream().filter((event) -> event.jobId().equals(job.jobId()) && event.type() == type).toList();
	}

	private List<String> writtenImages(JobMessage job) {
		ArgumentCaptor<List<byte[]>> pngs = ArgumentCaptor.captor();
		verify(this.outputs).write(eq(job), pngs.capture(), any());
		return pngs.getValue().stream().map((png) -> new String(png, StandardCharsets.UTF_8)).toList();
	}

	private static List<HeldMessage> messages(List<JobMessage> jobs) {
		List<HeldMessage> messages = new ArrayList<>();
		for (JobMessage job : jobs) {
			messages.add(new HeldMessage(Lane.STANDARD, "queue", "m-" + job.jobId(), "r-" + job.jobId(),
					System.nanoTime(), 1, "{}", job));
		}
		return messages;
	}

	private static JobMessage job(String prompt, int images) {
		return new JobMessage(1, JobIds.next(), "acme", "sd15", prompt, null, 64, 64, 10, 7.5, prompt.length() * 7L,
				images, Lane.STANDARD, Instant.now(), null);
	}

	private static WorkerProperties properties(String scheduler) {
		Map<String, String> values = Map.of("kiln.worker.id", "w1", "kiln.worker.model-cache", "/tmp/kiln-models",
				"kiln.worker.models.sd15.type", "sd-torchscript", "kiln.worker.models.sd15.location",
				"file:/models/sd15", "kiln.worker.models.sd15.scheduler", scheduler,
				"kiln.worker.models.sd15.max-batch", "8", "kiln.worker.checkpoint-every", "3");
		return new Binder(new MapConfigurationPropertySource(values)).bind("kiln.worker", WorkerProperties.class).get();
	}

	/** A checkpoint in the format written before checkpoints named their model. */
	private static byte[] version1Checkpoint(int step, int totalSteps) {
		java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(28);
		bytes.putInt(0x4b434b50).putInt(1).putInt(step).putInt(totalSteps).putInt(2).putFloat(1).putFloat(2);
		return bytes.array();
	}

	/**
	 * Renders batches up to {@code maxImages} images and fails larger ones the way libtorch does; images name their
	 * request, so a mix-up between jobs shows.
	 */
	private static final class StubGenerator implements ImageGenerator {

		final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

		final List<RenderRequest> requests = new CopyOnWriteArrayList<>();

		final List<@Nullable RenderCheckpoint> resumedFrom = new CopyOnWriteArrayList<>();

		int maxImages = Integer.MAX_VALUE;

		String failure = CUDA_OOM;

		int checkpointAt;

		boolean refuseCheckpoints;

		@Override
		public String modelId() {
			return "sd15";
		}

		@Override
		public String device() {
			return "gpu(0)";
		}

		@Override
		public boolean batches() {
			return true;
		}

		@Override
		public boolean resumable() {
			return true;
		}

		@Override
		public RenderedImages render(RenderRequest request, StepListener listener) {
			return render(List.of(request), java.util.Arrays.asList((RenderCheckpoint) null), listener::onStep).get(0);
		}

		@Override
		public List<RenderedImages> render(List<RenderRequest> requests, List<@Nullable RenderCheckpoint> resumeFrom,
				RenderMonitor monitor) {
			this.batchSizes.add(requests.size());
			this.requests.addAll(requests);
			this.resumedFrom.addAll(resumeFrom);
			if (this.refuseCheckpoints && resumeFrom.stream().anyMatch((checkpoint) -> checkpoint != null)) {
				throw new IllegalArgumentException("Checkpoint does not belong to a render of this shape");
			}
			for (RenderRequest request : requests) {
				// what BuiltinGenerator and StableDiffusionGenerator say of such a request (their validate methods)
				if (request.guidanceScale() < 0) {
					throw new IllegalArgumentException(
							"guidanceScale must be a finite number >= 0 but was " + request.guidanceScale());
				}
			}
			int images = requests.stream().mapToInt(RenderRequest::numImages).sum();
			if (images > this.maxImages) {
				throw new EngineException(this.failure);
			}
			if (this.checkpointAt > 0) {
				monitor.onCheckpoint(0, new RenderCheckpoint(this.checkpointAt, requests.get(0).steps(), new float[] { 3 }));
			}
			List<RenderedImages> results = new ArrayList<>();
			for (RenderRequest request : requests) {
				List<byte[]> pngs = new ArrayList<>();
				for (int i = 0; i < request.numImages(); i++) {
					pngs.add(("png " + request.prompt() + " seed " + (request.seed() + i)).getBytes(StandardCharsets.UTF_8));
				}
				results.add(new RenderedImages(pngs, Duration.ofMillis(5), "gpu(0)"));
			}
			return results;
		}

		@Override
		public void close() {
		}

	}

}
