package dev.kiln.gateway.model;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * A model jobs may ask for.
 *
 * @param id model id, the {@code model} of a request
 * @param maxPixels largest width × height
 * @param maxSteps most render steps
 * @param maxBatch most images per job
 * @param configured whether the gateway's catalog lists it (jobs are accepted while no worker serves it)
 * @param liveWorkers workers serving it now
 * @param busyWorkers of those, workers rendering now
 */
@Schema(description = "A model and its limits")
public record ModelView(@Schema(example = "kiln-builtin") String id, @Schema(example = "1048576") int maxPixels,
		@Schema(example = "150") int maxSteps, @Schema(example = "8") int maxBatch, boolean configured,
		int liveWorkers, int busyWorkers) {
}
