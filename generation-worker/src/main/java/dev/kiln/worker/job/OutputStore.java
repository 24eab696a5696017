package dev.kiln.worker.job;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.worker.WorkerProperties;

/**
 * Writes a job's images and then its metadata document to the bucket (the metadata last, so its presence means every
 * image before it is complete), and keeps its render checkpoint and previews while it renders.
 */
@Component
class OutputStore {

	private final S3Client s3;

	private final JsonMapper json;

	private final String bucket;

	OutputStore(S3Client s3, JsonMapper json, WorkerProperties properties) {
		this.s3 = s3;
		this.json = json;
		this.bucket = properties.storage().bucket();
	}

	/**
	 * Writes the outputs.
	 * @param job the job
	 * @param pngs the images
	 * @param metadata the metadata document
	 * @return the keys written, images first, metadata last
	 */
	List<String> write(JobMessage job, List<byte[]> pngs, RenderMetadata metadata) {
		List<String> keys = new ArrayList<>();
		for (int i = 0; i < pngs.size(); i++) {
			String key = ObjectKeys.image(job.tenant(), job.jobId(), i);
			this.s3.putObject((request) -> request.bucket(this.bucket).key(key).contentType("image/png"),
					RequestBody.fromBytes(pngs.get(i)));
			keys.add(key);
		}
		String metadataKey = ObjectKeys.metadata(job.tenant(), job.jobId());
		byte[] document = this.json.writeValueAsBytes(metadata);
		this.s3.putObject((request) -> request.bucket(this.bucket).key(metadataKey).contentType("application/json"),
				RequestBody.fromBytes(document));
		keys.add(metadataKey);
		return keys;
	}

	/**
	 * Writes the render checkpoint of a job, replacing any earlier one.
	 * @param job the job
	 * @param checkpoint the checkpoint's bytes
	 */
	void writeCheckpoint(JobMessage job, byte[] checkpoint) {
		this.s3.putObject((request) -> request.bucket(this.bucket)
			.key(ObjectKeys.checkpoint(job.tenant(), job.jobId()))
			.contentType("application/octet-stream"), RequestBody.fromBytes(checkpoint));
	}

	/**
	 * Reads the render checkpoint of a job.
	 * @param job the job
	 * @return its bytes, or {@code null} when there is none
	 */
	byte @Nullable [] readCheckpoint(JobMessage job) {
		try {
			return this.s3
				.getObject((request) -> request.bucket(this.bucket)
					.key(ObjectKeys.checkpoint(job.tenant(), job.jobId())), ResponseTransformer.toBytes())
				.asByteArray();
		}
		catch (NoSuchKeyException ex) {
			return null;
		}
	}

	/** Deletes the render checkpoint of a job, if any. */
	void deleteCheckpoint(JobMessage job) {
		this.s3.deleteObject((request) -> request.bucket(this.bucket)
			.key(ObjectKeys.checkpoint(job.tenant(), job.jobId())));
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
		this.s3.putObject((request) -> request.bucket(this.bucket).key(key).contentType("image/png"),
				RequestBody.fromBytes(png));
		return key;
	}

}
