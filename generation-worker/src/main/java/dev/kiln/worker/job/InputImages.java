package dev.kiln.worker.job;

import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

import dev.kiln.contract.JobMessage;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.worker.render.InitImage;

/**
 * Downloads a job's init image: the PNG the gateway stored at {@link ObjectKeys#input} in the bucket this worker
 * writes its outputs to ({@link JobBucket}). An input that is gone (expired by the bucket's lifecycle rule, or never
 * there), unreadable, or not of the job's size fails the job for good ({@link PermanentJobFailure}); an S3 fault is
 * left to the caller to retry.
 */
@Component
@RequiredArgsConstructor
class InputImages {

	private final JobBucket bucket;

	/**
	 * The job's init image, or {@code null} when it starts from noise.
	 * @param job the job
	 * @return the decoded image with the job's strength, or {@code null}
	 * @throws PermanentJobFailure ({@code invalid-request}) when the input is missing, unreadable or of another size
	 */
	@Nullable InitImage read(JobMessage job) {
		String id = job.initImage();
		Double strength = job.strength();
		if (id == null || strength == null) {
			return null;
		}
		String key = ObjectKeys.input(job.tenant(), id);
		byte[] png = this.bucket.read(key);
		if (png == null) {
			throw new PermanentJobFailure("invalid-request",
					"Init image '" + id + "' does not exist (inputs expire with the bucket's jobs/ lifecycle rule)");
		}
		InitImage image;
		try {
			image = InitImage.decode(png, strength);
		}
		catch (IllegalArgumentException ex) {
			throw new PermanentJobFailure("invalid-request", "Init image '" + id + "': " + ex.getMessage());
		}
		if (image.width() != job.width() || image.height() != job.height()) {
			throw new PermanentJobFailure("invalid-request", "Init image '" + id + "' is " + image.width() + "x"
					+ image.height() + " but the job renders " + job.width() + "x" + job.height());
		}
		return image;
	}

}
