package dev.kiln.advisor.cost;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.web.servlet.MockMvc;

import dev.kiln.advisor.AdvisorProperties;

import static org.hamcrest.Matchers.closeTo;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@WebMvcTest(controllers = CostController.class,
		properties = { "kiln.advisor.prices.instance-type=seed", "kiln.advisor.prices.table[seed].on-demand=0.4968",
				"kiln.advisor.prices.table[seed].spot=0.2", "spring.mvc.problemdetails.enabled=true" })
@EnableConfigurationProperties(AdvisorProperties.class)
class CostControllerTests {

	@Autowired
	private MockMvc mvc;

	@Test
	void projectsTheSeedFigures() throws Exception {
		this.mvc.perform(get("/v1/cost").param("renderSeconds", "1.5"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.gpuHoursPerMillion").value(closeTo(416.67, 0.005)))
			.andExpect(jsonPath("$.onDemand.perMillion").value(closeTo(226.18, 0.005)))
			.andExpect(jsonPath("$.onDemand.monthlyProjection").value(closeTo(436.42, 0.005)));
	}

	@Test
	void refusesANegativeVolume() throws Exception {
		this.mvc.perform(get("/v1/cost").param("imagesPerMonth", "-1"))
			.andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.status").value(400))
			.andExpect(jsonPath("$.type").value("https://kiln.dev/problems/invalid-request"));
	}

}
