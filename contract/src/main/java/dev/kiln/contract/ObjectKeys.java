package dev.kiln.contract;

/**
 * The one definition of where a job's files live in the object store:
 * {@code jobs/{tenant}/{jobId}/{n}.png} for images and {@code jobs/{tenant}/{jobId}/metadata.json} beside them, plus
 * {@code checkpoint} and {@code preview-{step}.png} while a job renders. Uploaded init images live at
 * {@code jobs/{tenant}/inputs/{inputId}.png}: under {@code jobs/}, so that the bucket's lifecycle rule expires them
 * after the same retention as job outputs.
 */
public final class ObjectKeys {

	private ObjectKeys() {
	}

	/** The folder holding everything of one job, ending in {@code /}. */
	public static String jobPrefix(String tenant, String jobId) {
		return "jobs/" + tenant + "/" + jobId + "/";
	}

	/** The {@code index}-th image of a job, from 0. */
	public static String image(String tenant, String jobId, int index) {
		return jobPrefix(tenant, jobId) + index + ".png";
	}

	/** The render checkpoint of a job, from which a redelivered job resumes. */
	public static String checkpoint(String tenant, String jobId) {
		return jobPrefix(tenant, jobId) + "checkpoint";
	}

	/** A low-resolution preview written after {@code step}. */
	public static String preview(String tenant, String jobId, int step) {
		return jobPrefix(tenant, jobId) + "preview-" + step + ".png";
	}

	/** The metadata document of a job. */
	public static String metadata(String tenant, String jobId) {
		return jobPrefix(tenant, jobId) + "metadata.json";
	}

	/** An image a tenant uploaded as the start of img2img jobs, stored as PNG. */
	public static String input(String tenant, String inputId) {
		return "jobs/" + tenant + "/inputs/" + inputId + ".png";
	}

}
