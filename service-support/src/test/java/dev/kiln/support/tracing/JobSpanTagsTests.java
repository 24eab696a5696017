package dev.kiln.support.tracing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tag names are what traces are searched by (the worker's README lists them, dashboards and the local stack's
 * tracing test query them): a rename must be deliberate.
 */
class JobSpanTagsTests {

	@Test
	void theTagsAreTheDocumentedNames() {
		assertThat(JobSpanTags.JOB_ID).isEqualTo("kiln.job.id");
		assertThat(JobSpanTags.TENANT).isEqualTo("kiln.tenant");
		assertThat(JobSpanTags.LANE).isEqualTo("kiln.lane");
		assertThat(JobSpanTags.MODEL).isEqualTo("kiln.model");
		assertThat(JobSpanTags.ATTEMPT).isEqualTo("kiln.job.attempt");
	}

}
