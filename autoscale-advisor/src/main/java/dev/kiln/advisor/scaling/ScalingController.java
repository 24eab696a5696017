package dev.kiln.advisor.scaling;

import java.net.URI;

import lombok.RequiredArgsConstructor;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.ErrorResponseException;

/**
 * The latest scaling decision as JSON; also what KEDA's {@code metrics-api} scaler reads. Before the first decision
 * and once the inputs are stale it answers {@code 503} ({@code https://kiln.dev/problems/inputs-stale}) rather than a
 * number, so that KEDA's {@code fallback} applies.
 */
@RestController
@RequiredArgsConstructor
class ScalingController {

	private final ScalingAdvisor advisor;

	@GetMapping(path = "/v1/scaling", produces = MediaType.APPLICATION_JSON_VALUE)
	ScalingDecision scaling() {
		ScalingDecision decision = this.advisor.latest();
		if (decision == null) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
					"The advisor has no fresh reading of its inputs; KEDA should apply its fallback.");
			problem.setType(URI.create("https://kiln.dev/problems/inputs-stale"));
			problem.setTitle("Inputs stale");
			throw new ErrorResponseException(HttpStatus.SERVICE_UNAVAILABLE, problem, null);
		}
		return decision;
	}

}
