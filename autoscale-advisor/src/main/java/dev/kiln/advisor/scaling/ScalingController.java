package dev.kiln.advisor.scaling;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/** The latest scaling decision as JSON; also what KEDA's {@code metrics-api} scaler reads. */
@RestController
class ScalingController {

	private final ScalingAdvisor advisor;

	ScalingController(ScalingAdvisor advisor) {
		this.advisor = advisor;
	}

	@GetMapping(path = "/v1/scaling", produces = MediaType.APPLICATION_JSON_VALUE)
	ScalingDecision scaling() {
		ScalingDecision decision = this.advisor.latest();
		if (decision == null) {
			throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "No queue sample has been taken yet");
		}
		return decision;
	}

}
