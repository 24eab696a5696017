package dev.kiln.gateway.job;

import java.time.Instant;
import java.util.List;

import io.swagger.v3.oas.annotations.media.Schema;
import org.jspecify.annotations.Nullable;

import dev.kiln.contract.JobState;
import dev.kiln.contract.Lane;

/**
 * A job as the API shows it.
 *
 * @param id job id
 * @param state current state
 * @param lane lane it waits or waited in
 * @param model model id
 * @param prompt the prompt
 * @param width width in pixels
 * @param height height in pixels
 * @param steps render steps
 * @param seed the seed used
 * @param numImages images requested
 * @param progress steps done, while running or when finished
 * @param attempt the current or last attempt, from 1; 0 before the first
 * @param submittedAt when it was accepted
 * @param startedAt when its first attempt started
 * @param finishedAt when it reached a final state
 * @param images links to the images, once succeeded
 * @param error why it failed
 */
@Schema(description = "A job and its state")
public record JobView(String id, JobState state, Lane lane, String model, String prompt, int width, int height,
		int steps, long seed, int numImages, @Nullable Progress progress, int attempt, Instant submittedAt,
		@Nullable Instant startedAt, @Nullable Instant finishedAt, List<ImageLink> images, @Nullable Error error) {

	/**
	 * Render progress.
	 *
	 * @param step steps done
	 * @param totalSteps steps in all
	 */
	public record Progress(int step, int totalSteps) {
	}

	/**
	 * A presigned link to an image.
	 *
	 * @param index image number, from 0
	 * @param url where to download it until it expires
	 * @param expiresAt when the link stops working
	 */
	public record ImageLink(int index, String url, Instant expiresAt) {
	}

	/**
	 * Why a job failed.
	 *
	 * @param type stable error type
	 * @param detail explanation
	 */
	public record Error(String type, @Nullable String detail) {
	}

}
