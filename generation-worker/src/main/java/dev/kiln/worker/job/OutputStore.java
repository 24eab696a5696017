package dev.kiln.worker.job;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.support.tracing.JobSpanTag;

/**
 * Writes a job's images and its metadata document to the bucket, all at once, and keeps its render checkpoint and
 * previews while it renders. What says a job's outputs are complete is its {@code SUCCEEDED} event, which goes out
 * only once {@link #write} has returned, that is once S3 confirmed every object; an attempt that dies half-way leaves
 * a partial set that its retry overwrites under the same keys.
 * <p>
 * Every object written is a span {@value #S3_PUT}, a child of the span in scope on the calling thread (the job's render
 * span): that parent is read once on the calling thread and handed to the virtual threads that write concurrently, not
 * looked up there (a thread-local scope does not cross threads).
 */
@Component
@RequiredArgsConstructor
class OutputStore {

	static final String S3_PUT = "kiln.s3.put";

	private final JobBucket bucket;

	private final JsonMapper json;

	private final Tracer tracer;

	/**
	 * Writes the outputs concurrently (one {@code PutObject} per object, the last on the calling thread, the others on
	 * virtual threads) and returns once S3 has confirmed every one of them.
	 * @param job the job
	 * @param pngs the images
	 * @param metadata the metadata document
	 * @return the keys written, images first, metadata last
	 * @throws RuntimeException the first failure of any {@code PutObject}, once none is still running
	 */
	List<String> write(JobMessage job, List<byte[]> pngs, RenderMetadata metadata) {
		List<String> keys = new ArrayList<>();
		for (int i = 0; i < pngs.size(); i++) {
			keys.add(ObjectKeys.image(job.tenant(), job.jobId(), i));
		}
		String metadataKey = ObjectKeys.metadata(job.tenant(), job.jobId());
		keys.add(metadataKey);
		byte[] document = this.json.writeValueAsBytes(metadata);
		Span parent = this.tracer.currentSpan();
		List<Future<?>> images = new ArrayList<>();
		RuntimeException failure = null;
		try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
			for (int i = 0; i < pngs.size(); i++) {
				String key = keys.get(i);
				byte[] png = pngs.get(i);
				images.add(executor.submit(() -> put(parent, job, key, "image/png", png)));
			}
			try {
				put(parent, job, metadataKey, "application/json", document);
			}
			catch (RuntimeException ex) {
				failure = ex;
			}
		}
		// closing the executor waited for every image
		for (Future<?> image : images) {
			try {
				image.get();
			}
			catch (ExecutionException ex) {
				if (failure == null) {
					failure = (ex.getCause() instanceof RuntimeException cause) ? cause
							: new IllegalStateException("Writing an image failed", ex.getCause());
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while writing the outputs of " + job.jobId(), ex);
			}
		}
		if (failure != null) {
			throw failure;
		}
		return keys;
	}

	/**
	 * One {@code PutObject}, as a span {@value #S3_PUT}.
	 * @param parent the span it belongs to, handed over explicitly (it may run on another thread); {@code null} for
	 * none
	 */
	private void put(@Nullable Span parent, JobMessage job, String key, String contentType, byte[] bytes) {
		Span span = ((parent != null) ? this.tracer.nextSpan(parent) : this.tracer.nextSpan()).name(S3_PUT)
			.tag(JobSpanTag.JOB_ID.key(), job.jobId())
			.tag(JobSpanTag.TENANT.key(), job.tenant())
			.tag("aws.s3.bucket", this.bucket.name())
			.tag("aws.s3.key", key)
			.tag("kiln.s3.bytes", bytes.length)
			.start();
		try {
			this.bucket.write(key, contentType, bytes);
		}
		catch (RuntimeException ex) {
			span.error(ex);
			throw ex;
		}
		finally {
			span.end();
		}
	}

	/**
	 * Writes the render checkpoint of a job, replacing any earlier one.
	 * @param job the job
	 * @param checkpoint the checkpoint's bytes
	 */
	void writeCheckpoint(JobMessage job, byte[] checkpoint) {
		put(this.tracer.currentSpan(), job, ObjectKeys.checkpoint(job.tenant(), job.jobId()),
				"application/octet-stream", checkpoint);
	}

	/**
	 * Reads the render checkpoint of a job.
	 * @param job the job
	 * @return its bytes, or {@code null} when there is none
	 */
	byte @Nullable [] readCheckpoint(JobMessage job) {
		return this.bucket.read(ObjectKeys.checkpoint(job.tenant(), job.jobId()));
	}

	/** Deletes the render checkpoint of a job, if any. */
	void deleteCheckpoint(JobMessage job) {
		this.bucket.delete(ObjectKeys.checkpoint(job.tenant(), job.jobId()));
	}

	/**
	 * Writes a preview.
	 * @param job the job
	 * @param step the step it shows
	 * @param png the image
	 * @return its key
	 */
	String writePreview(JobMessage job, int step, byte[] png) {
		String key = ObjectKeys.preview(job.tenant(), job.jobId(), step);
		put(this.tracer.currentSpan(), job, key, "image/png", png);
		return key;
	}

}
