package dev.kiln.chaos;

import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * What the invariant checker found for one job once the run settled.
 *
 * @param jobId the job
 * @param accepted whether the client got a 202 (or its idempotent 200 replay) for it
 * @param recorded whether its record exists in Redis
 * @param state its state, {@code null} without a record
 * @param errorType the record's error type, if any
 * @param errorDetail the record's error detail, if any
 * @param terminalEntries terminal state entries in its event stream
 * @param renderStarts {@code RUNNING} entries in its event stream: one per attempt that started rendering
 * @param expectedImages images it asked for
 * @param outputKeys its objects in S3
 */
record JobObservation(String jobId, boolean accepted, boolean recorded, @Nullable String state,
		@Nullable String errorType, @Nullable String errorDetail, int terminalEntries, int renderStarts,
		int expectedImages, Set<String> outputKeys) {

	/** The output keys a {@code SUCCEEDED} job must have, exactly. */
	List<String> expectedOutputs(String tenant) {
		List<String> keys = new java.util.ArrayList<>();
		for (int i = 0; i < this.expectedImages; i++) {
			keys.add(dev.kiln.contract.ObjectKeys.image(tenant, this.jobId, i));
		}
		keys.add(dev.kiln.contract.ObjectKeys.metadata(tenant, this.jobId));
		return keys;
	}

}
