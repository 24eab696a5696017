package dev.kiln.worker.drain;

import java.util.Map;

import lombok.RequiredArgsConstructor;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/drain}: GET says whether the worker drains, POST starts the drain (as a spot notice would). Not
 * exposed unless listed in {@code management.endpoints.web.exposure.include}; meant for operators and tests.
 */
@Component
@Endpoint(id = "drain")
@RequiredArgsConstructor
class DrainEndpoint {

	private final DrainSignal signal;

	@ReadOperation
	Map<String, Object> state() {
		String reason = this.signal.reason();
		return Map.of("draining", reason != null, "reason", (reason != null) ? reason : "");
	}

	@WriteOperation
	Map<String, Object> drain() {
		this.signal.raise("requested through /actuator/drain");
		return state();
	}

}
