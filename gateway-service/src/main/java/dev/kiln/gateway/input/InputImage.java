package dev.kiln.gateway.input;

/**
 * An uploaded image as the API describes it.
 *
 * @param id the input id, to pass as a job's {@code initImage}
 * @param width width in pixels
 * @param height height in pixels
 */
public record InputImage(String id, int width, int height) {
}
