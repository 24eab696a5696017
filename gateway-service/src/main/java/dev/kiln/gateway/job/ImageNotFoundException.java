package dev.kiln.gateway.job;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.kiln.gateway.web.DomainException;
import dev.kiln.gateway.web.ProblemTypes;

/** The job has no image with that number (yet): {@code image-not-found}. */
public class ImageNotFoundException extends DomainException {

	ImageNotFoundException(String jobId, int images, @Nullable String state) {
		super(ProblemTypes.IMAGE_NOT_FOUND,
				"Job " + jobId + " has " + images + " image" + ((images == 1) ? "" : "s") + " and is " + state + ".",
				List.of());
	}

}
