/**
 * Which device the worker renders on, and whether that is what the node offers: a worker that sees an NVIDIA GPU
 * but runs a CPU-only libtorch says so loudly (log, {@code kiln_worker_device} gauge, {@code device} health).
 */
@NullMarked
package dev.kiln.worker.device;

import org.jspecify.annotations.NullMarked;
