package dev.kiln.support.problem;

import java.net.URI;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemTypesTests {

	@Test
	void typesLiveUnderTheKilnProblemsBase() {
		assertThat(ProblemTypes.of("job-not-found")).isEqualTo(URI.create("https://kiln.dev/problems/job-not-found"));
		assertThat(ProblemTypes.INVALID_REQUEST).hasToString("https://kiln.dev/problems/invalid-request");
		assertThat(ProblemTypes.SERVICE_UNAVAILABLE).hasToString("https://kiln.dev/problems/service-unavailable");
	}

	@Test
	void statusesSpringRaisesMapToTheTypeThatNamesThem() {
		assertThat(ProblemTypes.forStatus(HttpStatus.BAD_REQUEST)).isEqualTo(ProblemTypes.INVALID_REQUEST);
		assertThat(ProblemTypes.forStatus(HttpStatus.UNAUTHORIZED)).isEqualTo(ProblemTypes.UNAUTHORIZED);
		assertThat(ProblemTypes.forStatus(HttpStatus.FORBIDDEN)).isEqualTo(ProblemTypes.FORBIDDEN);
		assertThat(ProblemTypes.forStatus(HttpStatus.NOT_FOUND)).isEqualTo(ProblemTypes.NOT_FOUND);
		assertThat(ProblemTypes.forStatus(HttpStatus.METHOD_NOT_ALLOWED)).isEqualTo(ProblemTypes.METHOD_NOT_ALLOWED);
		assertThat(ProblemTypes.forStatus(HttpStatus.NOT_ACCEPTABLE)).isEqualTo(ProblemTypes.NOT_ACCEPTABLE);
		assertThat(ProblemTypes.forStatus(HttpStatus.CONTENT_TOO_LARGE)).isEqualTo(ProblemTypes.PAYLOAD_TOO_LARGE);
		assertThat(ProblemTypes.forStatus(HttpStatus.UNSUPPORTED_MEDIA_TYPE))
			.isEqualTo(ProblemTypes.UNSUPPORTED_MEDIA_TYPE);
		assertThat(ProblemTypes.forStatus(HttpStatus.TOO_MANY_REQUESTS)).isEqualTo(ProblemTypes.RATE_LIMITED);
		assertThat(ProblemTypes.forStatus(HttpStatus.SERVICE_UNAVAILABLE)).isEqualTo(ProblemTypes.SERVICE_UNAVAILABLE);
	}

	@Test
	void aStatusWithoutATypeOfItsOwnIsAnInternalError() {
		assertThat(ProblemTypes.forStatus(HttpStatus.CONFLICT)).isEqualTo(ProblemTypes.INTERNAL_ERROR);
		assertThat(ProblemTypes.forStatus(HttpStatusCode.valueOf(599))).isEqualTo(ProblemTypes.INTERNAL_ERROR);
	}

}
