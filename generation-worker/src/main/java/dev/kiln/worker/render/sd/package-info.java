/**
 * Stable Diffusion 1.x/2.x from traced TorchScript modules (text encoder, UNet, VAE decoder) run with DJL on the
 * PyTorch engine, with pure-Java noise schedulers (PNDM/PLMS, DDIM, Euler ancestral), behind
 * {@link dev.kiln.worker.render.ImageGenerator}.
 */
@NullMarked
package dev.kiln.worker.render.sd;

import org.jspecify.annotations.NullMarked;
