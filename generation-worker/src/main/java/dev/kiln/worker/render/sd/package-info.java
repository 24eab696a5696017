/**
 * Stable Diffusion 1.x/2.x from traced TorchScript modules (text encoder, UNet, VAE decoder) run with DJL on the
 * PyTorch engine, with Java noise schedulers on NDArrays (PNDM/PLMS, DDIM, Euler, Euler ancestral, DPM-Solver++ 2M)
 * checked against diffusers' own scheduler tests, and seeds drawn from PyTorch's generator, behind
 * {@link dev.kiln.worker.render.ImageGenerator}.
 */
@NullMarked
package dev.kiln.worker.render.sd;

import org.jspecify.annotations.NullMarked;
