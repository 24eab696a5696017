package dev.kiln.support.tracing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tag names are what traces are searched by (the worker's README lists them, dashboards and the local stack's
 * tracing test query them): a rename must be deliberate.
 */
class JobSpanTagTests {

	@Test
	void theTagsAreTheDocumentedNames() {
		assertThat(JobSpanTag.values()).extracting(JobSpanTag::key)
			.containsExactly("kiln.job.id", "kiln.tenant", "kiln.lane", "kiln.model", "kiln.job.attempt");
	}

}
