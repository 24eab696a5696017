package dev.kiln.gateway.model;

import java.util.List;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import org.jspecify.annotations.Nullable;

import dev.kiln.contract.ImageSize;

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
 * @param family the Stable Diffusion family live workers announce from the model's {@code kiln-model.json}
 * ({@code sd1}, {@code sd2}, {@code sdxl}), or {@code null}
 * @param sizes the only sizes live workers render it at (its manifest's); empty when any size within
 * {@code maxPixels} is rendered, or no worker said
 * @param scheduler the sampler live workers render it with, or {@code null}
 * @param schedulers the samplers live workers can render it with
 * @param description what it renders, as live workers describe it (the built-in model says it draws abstract
 * patterns, not Stable Diffusion), or {@code null} while no worker has said
 * @param imageToImage whether a live worker renders it from an init image ({@code initImage} on a job)
 * @param maxClipSkip the largest {@code clipSkip} a live worker honours for it, 0 when none
 */
@Schema(description = "A model and its limits")
public record ModelView(@Schema(example = "kiln-builtin") String id, @Schema(example = "1048576") int maxPixels,
		@Schema(example = "150") int maxSteps, @Schema(example = "8") int maxBatch, boolean configured,
		int liveWorkers, int busyWorkers,
		@Schema(example = "sd1", nullable = true, description = "Stable Diffusion family, from the model's manifest")
		@Nullable String family,
		@ArraySchema(schema = @Schema(implementation = ImageSize.class),
				arraySchema = @Schema(description = "The only sizes it renders; empty: any size within maxPixels"))
		List<ImageSize> sizes,
		@Schema(example = "pndm", nullable = true, description = "The sampler it renders with") @Nullable String scheduler,
		@ArraySchema(arraySchema = @Schema(description = "The samplers it can render with"),
				schema = @Schema(example = "ddim")) List<String> schedulers,
		@Schema(example = "renders abstract patterns from the prompt's words (offline built-in, not Stable Diffusion)",
				nullable = true, description = "What it renders, as the workers serving it say")
		@Nullable String description,
		@Schema(description = "Whether jobs may start from an init image (initImage, POST /v1/inputs)")
		boolean imageToImage,
		@Schema(example = "11", description = "The largest clipSkip a job may ask; 0: the model cannot skip layers")
		int maxClipSkip) {

	public ModelView {
		sizes = List.copyOf(sizes);
		schedulers = List.copyOf(schedulers);
	}

}
