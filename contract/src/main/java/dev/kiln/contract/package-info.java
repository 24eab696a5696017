/**
 * The wire contract every Kiln service shares: the job message put on SQS, the job events workers report, the job
 * states, and the one definition of queue names, Redis keys and S3 object keys.
 *
 * <p>Records here are versioned ({@code schemaVersion}); a reader accepts every version up to its own and ignores
 * fields it does not know, so services can be upgraded one at a time.
 */
@NullMarked
package dev.kiln.contract;

import org.jspecify.annotations.NullMarked;
