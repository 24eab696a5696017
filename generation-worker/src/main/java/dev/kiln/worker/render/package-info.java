/**
 * Rendering: image models loaded through DJL on the PyTorch engine, behind {@link dev.kiln.worker.render.ImageGenerator}.
 */
@NullMarked
package dev.kiln.worker.render;

import org.jspecify.annotations.NullMarked;
