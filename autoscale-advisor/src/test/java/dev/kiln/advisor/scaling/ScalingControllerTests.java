package dev.kiln.advisor.scaling;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import static org.mockito.BDDMockito.given;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@WebMvcTest(controllers = ScalingController.class, properties = "spring.mvc.problemdetails.enabled=true")
class ScalingControllerTests {

	@Autowired
	private MockMvc mvc;

	@MockitoBean
	private ScalingAdvisor advisor;

	@Test
	void staleInputsAreAProblemNotAZero() throws Exception {
		given(this.advisor.latest()).willReturn(null);
		this.mvc.perform(get("/v1/scaling"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(jsonPath("$.type").value("https://kiln.dev/problems/inputs-stale"))
			.andExpect(jsonPath("$.desiredWorkers").doesNotExist());
	}

	@Test
	void servesTheDecisionForKedasMetricsApiScaler() throws Exception {
		ScalingDecision decision = new ScalingDecision("deadline", 3, true, 2, false, "batch: 3 spot",
				Map.of("batch", new ScalingDecision.LaneView(10, 0, 0, 10, 7, 3, 0, 3)),
				new ScalingDecision.SpendView(1.05, 2, 3, null, null), 150, 0, 0, 0,
				Instant.parse("2026-01-05T12:00:00Z"));
		given(this.advisor.latest()).willReturn(decision);
		this.mvc.perform(get("/v1/scaling"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.lanes.batch.spot").value(3))
			.andExpect(jsonPath("$.prewarm").value(2))
			.andExpect(jsonPath("$.spend.dailyBudget").doesNotExist());
	}

	@Test
	void unmappedPathsAreProblemsToo() throws Exception {
		this.mvc.perform(get("/v1/nowhere"))
			.andExpect(status().isNotFound())
			.andExpect(jsonPath("$.type").value("https://kiln.dev/problems/not-found"));
	}

}
