package dev.kiln.benchmarks;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import software.amazon.awssdk.services.sqs.model.Message;
import tools.jackson.databind.JsonNode;

import dev.kiln.advisor.keda.externalscaler.ExternalScalerGrpc;
import dev.kiln.advisor.keda.externalscaler.IsActiveResponse;
import dev.kiln.advisor.keda.externalscaler.ScaledObjectRef;
import dev.kiln.contract.Lane;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.contract.QueueNames;
import dev.kiln.contract.RedisKeys;

/**
 * Submit → result visible with the no-op model (64×64, 1 step), one job at a time, broken down by hop from
 * timestamps the system records; and the scale signal: a job accepted into an empty system → the advisor's
 * {@code GET /v1/scaling} reports {@code active}.
 */
final class EndToEndBenchmark {

	static final String[] HOPS = { "gateway accept (client round trip)", "queue wait + worker pick-up",
			"worker prep (lease, STARTED, model call set-up)", "render (model, worker's renderSeconds)",
			"S3 write + SUCCEEDED event + state update", "visible to the client", "total", "total − render" };

	/** How the client learns that its job is done. */
	enum Watch {

		/** {@code GET /v1/jobs/{id}} every 2 ms. */
		POLL("polling `GET /v1/jobs/{id}` every 2 ms"),

		/** The job's Server-Sent Events stream, {@code GET /v1/jobs/{id}/events}, opened right after the 202. */
		EVENTS("following `GET /v1/jobs/{id}/events` (Server-Sent Events) from the 202 on");

		final String description;

		Watch(String description) {
			this.description = description;
		}

	}

	private final BenchStack stack;

	private final String key;

	private final String tenant;

	private final Http http = new Http();

	/** The last job submitted, for the floor's payloads. */
	private String lastJob = "";

	EndToEndBenchmark(BenchStack stack, String key, String tenant) {
		this.stack = stack;
		this.key = key;
		this.tenant = tenant;
	}

	/**
	 * The end-to-end run's figures.
	 * @param kiln milliseconds per hop, per way of watching and lane
	 * @param floor milliseconds per floor sample, by hop ({@link CallFloor#HOPS}) and by call
	 * ({@link CallFloor#CALLS}), one sample after each Kiln job
	 */
	record Result(Map<Watch, Map<String, Map<String, List<Double>>>> kiln, Map<String, List<Double>> floor) {
	}

	/**
	 * Runs {@code jobs} jobs per lane and way of watching, alternating lanes and ways, each followed by one sample of
	 * the call floor ({@link CallFloor}).
	 * @return milliseconds per hop, per way of watching and lane, and the floor's
	 */
	Result run(int warmUp, int jobs) {
		Map<Watch, Map<String, Map<String, List<Double>>>> result = new EnumMap<>(Watch.class);
		for (Watch watch : Watch.values()) {
			Map<String, Map<String, List<Double>>> byLane = new LinkedHashMap<>();
			for (String lane : List.of("interactive", "standard")) {
				Map<String, List<Double>> hops = new LinkedHashMap<>();
				for (String hop : HOPS) {
					hops.put(hop, new ArrayList<>());
				}
				byLane.put(lane, hops);
			}
			result.put(watch, byLane);
		}
		CallFloor floor = new CallFloor(this.stack);
		List<Map<String, Double>> floorSamples = new ArrayList<>();
		for (int i = 0; i < Math.max(1, warmUp); i++) {
			one("interactive", Watch.values()[i % 2]);
			if (i == 0) {
				floor.copyFrom(this.tenant, this.lastJob);
			}
			floor.once();
		}
		for (int i = 0; i < jobs; i++) {
			for (Watch watch : (i % 2 == 0) ? List.of(Watch.POLL, Watch.EVENTS) : List.of(Watch.EVENTS, Watch.POLL)) {
				for (String lane : (i % 2 == 0) ? List.of("interactive", "standard")
						: List.of("standard", "interactive")) {
					double[] hops = one(lane, watch);
					for (int h = 0; h < HOPS.length; h++) {
						result.get(watch).get(lane).get(HOPS[h]).add(hops[h]);
					}
					// interleaved: the floor's calls right after each job, on the same servers and clients
					floorSamples.add(floor.once());
				}
			}
			if ((i + 1) % 10 == 0) {
				Report.progress("end-to-end %d/%d", i + 1, jobs);
			}
		}
		return new Result(result, CallFloor.byHop(floorSamples));
	}

	private double[] one(String lane, Watch watch) {
		URI jobs = this.stack.url(BenchStack.Service.GATEWAY).resolve("/v1/jobs");
		Instant t0 = Instant.now();
		Http.Answer answer = this.http.post(jobs, this.key, """
				{"prompt":"a red fox","model":"%s","width":64,"height":64,"steps":1,"lane":"%s"}"""
					.formatted(BenchStack.NOOP_MODEL, lane));
		Instant t1 = Instant.now();
		if (answer.status() != 202) {
			throw new IllegalStateException("Gateway answered " + answer.status() + ": " + answer.body());
		}
		String id = answer.json().get("id").asString();
		this.lastJob = id;
		URI status = jobs.resolve("/v1/jobs/" + id);
		Instant seen = switch (watch) {
			case POLL -> poll(status);
			case EVENTS -> this.http.awaitEvent(jobs.resolve("/v1/jobs/" + id + "/events"), this.key, "state",
					"\"state\":\"SUCCEEDED\"", "\"state\":\"FAILED\"");
		};
		JsonNode job = this.http.get(status, this.key).json();
		if (!"SUCCEEDED".equals(job.get("state").asString())) {
			throw new IllegalStateException("Job " + id + " seen done but is " + job);
		}
		Instant submittedAt = Instant.parse(job.get("submittedAt").asString());
		JsonNode metadata = Http.JSON.readTree(this.stack.s3()
			.getObjectAsBytes((b) -> b.bucket(BenchStack.BUCKET).key(ObjectKeys.metadata(this.tenant, id)))
			.asByteArray());
		JsonNode timings = metadata.has("timings") ? metadata.get("timings") : metadata;
		Instant started = Instant.parse(timings.get("startedAt").asString());
		Instant finished = Instant.parse(timings.get("finishedAt").asString());
		double render = timings.get("renderSeconds").asDouble() * 1000;
		boolean succeeded = false;
		long appliedMillis = 0;
		for (StreamMessage<String, String> entry : this.stack.redis()
			.sync()
			.xrange(RedisKeys.jobEvents(id), Range.create("-", "+"))) {
			if ("SUCCEEDED".equals(entry.getBody().get("state")) && "state".equals(entry.getBody().get("kind"))) {
				succeeded = true;
				appliedMillis = Long.parseLong(entry.getId().substring(0, entry.getId().indexOf('-')));
			}
		}
		if (!succeeded) {
			throw new IllegalStateException("No SUCCEEDED entry in the event stream of " + id);
		}
		Instant applied = Instant.ofEpochMilli(appliedMillis);
		// The SUCCEEDED event carries the render's finishedAt, so S3 write, event transit and the state machine's
		// update are one observable hop: from the render's end to the stream entry the state machine appended.
		return new double[] { ms(t0, t1), ms(submittedAt, started), ms(started, finished) - render, render,
				ms(finished, applied), ms(applied, seen), ms(t0, seen), ms(t0, seen) - render };
	}

	/** Polls the job every 2 ms until it succeeded; says when the poll that saw it returned. */
	private Instant poll(URI status) {
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		while (true) {
			JsonNode job = this.http.get(status, this.key).json();
			Instant seen = Instant.now();
			String state = job.get("state").asString();
			if ("SUCCEEDED".equals(state)) {
				return seen;
			}
			if ("FAILED".equals(state) || "CANCELLED".equals(state) || System.nanoTime() > deadline) {
				throw new IllegalStateException("Job " + status + " ended " + state + ": " + job);
			}
			sleep(2);
		}
	}

	/**
	 * Scale-signal freshness, on a stack without workers and with two advisors side by side: the advisor as
	 * configured (deciding when a job arrives, and on its poll) and one that decides only on its 1 s poll (the
	 * baseline). With nothing queued and both inactive, submit one job; poll {@code GET /v1/scaling} of the first every
	 * 5 ms until {@code active}, and note when each advisor's {@code StreamIsActive} stream (held open all along, as
	 * KEDA's external-push scaler holds it) pushes {@code true}. Each sample starts at another phase of the polls.
	 * @return per signal ({@link #HTTP}, {@link #PUSH}, {@link #PUSH_POLL_ONLY}), milliseconds from the 202 to active,
	 * per sample
	 */
	Map<String, List<Double>> freshness(int samples) {
		ActivityStream wake = new ActivityStream(this.stack.advisorGrpcPort(BenchStack.Service.ADVISOR));
		ActivityStream pollOnly = new ActivityStream(this.stack.advisorGrpcPort(BenchStack.Service.POLL_ONLY_ADVISOR));
		try {
			return freshness(samples, wake, pollOnly);
		}
		finally {
			wake.close();
			pollOnly.close();
		}
	}

	/** Signal names of {@link #freshness}. */
	static final String HTTP = "http", PUSH = "grpc", PUSH_POLL_ONLY = "grpc-poll-only";

	private Map<String, List<Double>> freshness(int samples, ActivityStream wake, ActivityStream pollOnly) {
		URI scaling = this.stack.url(BenchStack.Service.ADVISOR).resolve("/v1/scaling");
		URI pollOnlyScaling = this.stack.url(BenchStack.Service.POLL_ONLY_ADVISOR).resolve("/v1/scaling");
		URI jobs = this.stack.url(BenchStack.Service.GATEWAY).resolve("/v1/jobs");
		List<Double> polled = new ArrayList<>();
		List<Double> pushed = new ArrayList<>();
		List<Double> pushedPollOnly = new ArrayList<>();
		for (int i = 0; i < samples; i++) {
			long wait = System.nanoTime() + Duration.ofSeconds(120).toNanos();
			while (active(scaling) || active(pollOnlyScaling) || wake.active.get() || pollOnly.active.get()) {
				if (System.nanoTime() > wait) {
					throw new IllegalStateException("An advisor stays active with nothing to do");
				}
				sleep(20);
			}
			// vary the phase against the advisors' 1 s poll
			sleep(137L * i % 1000);
			wake.becameActive.set(null);
			pollOnly.becameActive.set(null);
			Http.Answer answer = this.http.post(jobs, this.key, """
					{"prompt":"a waiting fox","width":64,"height":64,"steps":1,"lane":"standard"}""");
			Instant accepted = Instant.now();
			if (answer.status() != 202) {
				throw new IllegalStateException("Gateway answered " + answer.status());
			}
			wait = System.nanoTime() + Duration.ofSeconds(60).toNanos();
			while (!active(scaling)) {
				if (System.nanoTime() > wait) {
					throw new IllegalStateException("The advisor never reported active");
				}
				sleep(5);
			}
			polled.add(ms(accepted, Instant.now()));
			for (ActivityStream stream : List.of(wake, pollOnly)) {
				while (!stream.active.get()) {
					if (System.nanoTime() > wait) {
						throw new IllegalStateException("StreamIsActive never pushed true");
					}
					sleep(5);
				}
			}
			// negative: the push came before the 202 reached the client (the create script announces the job
			// before the gateway sends its message and answers)
			pushed.add(ms(accepted, wake.becameActive.get()));
			pushedPollOnly.add(ms(accepted, pollOnly.becameActive.get()));
			// no worker runs: cancel the job and take its message off the queue, so the system is empty again
			String id = answer.json().get("id").asString();
			this.http.delete(jobs.resolve("/v1/jobs/" + id), this.key);
			String queue = this.stack.sqs()
				.getQueueUrl((b) -> b.queueName(new QueueNames("kiln").jobs(Lane.STANDARD)))
				.join()
				.queueUrl();
			int taken = 0;
			while (taken == 0) {
				for (Message message : this.stack.sqs()
					.receiveMessage((b) -> b.queueUrl(queue).maxNumberOfMessages(10).waitTimeSeconds(1))
					.join()
					.messages()) {
					this.stack.sqs().deleteMessage((b) -> b.queueUrl(queue).receiptHandle(message.receiptHandle())).join();
					taken++;
				}
			}
			Report.progress("scale signal %d/%d: push %.0f ms (poll only: %.0f ms), http %.0f ms", i + 1, samples,
					pushed.getLast(), pushedPollOnly.getLast(), polled.getLast());
		}
		Map<String, List<Double>> all = new LinkedHashMap<>();
		all.put(HTTP, polled);
		all.put(PUSH, pushed);
		all.put(PUSH_POLL_ONLY, pushedPollOnly);
		return all;
	}

	/** An advisor's {@code StreamIsActive} stream, held open as KEDA holds it, and when it last turned active. */
	private static final class ActivityStream implements AutoCloseable {

		final AtomicBoolean active = new AtomicBoolean();

		final AtomicReference<Instant> becameActive = new AtomicReference<>();

		private final ManagedChannel channel;

		ActivityStream(int port) {
			this.channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
			ExternalScalerGrpc.newStub(this.channel)
				.streamIsActive(ScaledObjectRef.newBuilder().setName("kiln-worker").setNamespace("kiln").build(),
						new StreamObserver<IsActiveResponse>() {

							@Override
							public void onNext(IsActiveResponse value) {
								if (value.getResult() && !ActivityStream.this.active.get()) {
									ActivityStream.this.becameActive.set(Instant.now());
								}
								ActivityStream.this.active.set(value.getResult());
							}

							@Override
							public void onError(Throwable error) {
								Report.progress("StreamIsActive ended: %s", error);
							}

							@Override
							public void onCompleted() {
							}

						});
		}

		@Override
		public void close() {
			this.channel.shutdownNow();
		}

	}

	private boolean active(URI scaling) {
		Http.Answer answer = this.http.get(scaling, this.key);
		return answer.status() == 200 && answer.json().get("active").asBoolean();
	}

	private static double ms(Instant from, Instant to) {
		return Duration.between(from, to).toNanos() / 1e6;
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
