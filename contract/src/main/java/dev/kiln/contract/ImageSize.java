package dev.kiln.contract;

/**
 * An image size a model renders.
 *
 * @param width pixels
 * @param height pixels
 */
public record ImageSize(int width, int height) {

	@Override
	public String toString() {
		return this.width + "x" + this.height;
	}

}
