package dev.kiln.contract;

/**
 * A model a worker serves and the limits it renders within, published in worker heartbeats so the gateway can
 * validate model ids and sizes before accepting a job.
 *
 * @param id model id
 * @param type how it is loaded ({@code builtin}, {@code sd-torchscript})
 * @param maxPixels largest width × height
 * @param maxSteps most steps
 * @param maxBatch most images per job
 */
public record ModelInfo(String id, String type, int maxPixels, int maxSteps, int maxBatch) {
}
