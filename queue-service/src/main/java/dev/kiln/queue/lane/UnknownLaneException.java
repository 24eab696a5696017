package dev.kiln.queue.lane;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** A lane name that is not one of {@code interactive}, {@code standard}, {@code batch}: 404 problem. */
class UnknownLaneException extends ErrorResponseException {

	static final URI TYPE = URI.create("https://kiln.dev/problems/lane-not-found");

	UnknownLaneException(String lane) {
		super(HttpStatus.NOT_FOUND, problem(lane), null);
	}

	private static ProblemDetail problem(String lane) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND,
				"There is no lane '" + lane + "'; the lanes are interactive, standard and batch.");
		problem.setType(TYPE);
		problem.setTitle("Lane not found");
		return problem;
	}

}
