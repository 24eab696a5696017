package dev.kiln.worker.job;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import dev.kiln.contract.ObjectKeys;
import dev.kiln.support.config.SharedProperties;

/**
 * The bucket a job's objects live in ({@code kiln.storage.bucket}, shared with the gateway and the queue service):
 * its init image, outputs, previews and render checkpoint, under the keys of {@link ObjectKeys}. Plain reads and
 * writes; what a missing object means, and the spans around a write, are the callers'.
 *
 * @param s3 the S3 client
 * @param name the bucket's name
 */
@Component
record JobBucket(S3Client s3, String name) {

	@Autowired
	JobBucket(S3Client s3, SharedProperties shared) {
		this(s3, shared.storage().bucket());
	}

	/**
	 * Reads an object.
	 * @param key its key
	 * @return its bytes, or {@code null} when there is no such object
	 */
	byte @Nullable [] read(String key) {
		try {
			return this.s3.getObject((request) -> request.bucket(this.name).key(key), ResponseTransformer.toBytes())
				.asByteArray();
		}
		catch (NoSuchKeyException ex) {
			return null;
		}
	}

	/**
	 * Writes an object, replacing any earlier one under its key.
	 * @param key its key
	 * @param contentType its content type
	 * @param bytes its bytes
	 */
	void write(String key, String contentType, byte[] bytes) {
		this.s3.putObject((request) -> request.bucket(this.name).key(key).contentType(contentType),
				RequestBody.fromBytes(bytes));
	}

	/** Deletes an object, if any. */
	void delete(String key) {
		this.s3.deleteObject((request) -> request.bucket(this.name).key(key));
	}

}
