package dev.kiln.support.problem;

import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

class AbstractProblemHandlerTests {

	private final MockMvc mvc = MockMvcBuilders.standaloneSetup(new Endpoints())
		.setControllerAdvice(new ServiceProblemHandler())
		.build();

	@Test
	void anUnmappedExceptionIsALoggedInternalErrorWithoutItsClassOrMessage() throws Exception {
		this.mvc.perform(get("/boom"))
			.andExpect(status().isInternalServerError())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.type").value("https://kiln.dev/problems/internal-error"))
			.andExpect(jsonPath("$.title").value("Internal error"))
			.andExpect(jsonPath("$.status").value(500))
			.andExpect(content().string(not(containsString("IllegalStateException"))))
			.andExpect(content().string(not(containsString("secret detail"))));
	}

	@Test
	void aSubclassHandlerWinsOverTheCatchAll() throws Exception {
		this.mvc.perform(get("/slow"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string(HttpHeaders.RETRY_AFTER, "5"))
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.type").value("https://kiln.dev/problems/service-unavailable"))
			.andExpect(jsonPath("$.detail").value("The store did not answer; retry later."));
	}

	@Test
	void aProblemSpringRaisesGetsTheTypeOfItsStatus() throws Exception {
		this.mvc.perform(post("/boom"))
			.andExpect(status().isMethodNotAllowed())
			.andExpect(jsonPath("$.type").value("https://kiln.dev/problems/method-not-allowed"));
		this.mvc.perform(get("/needs-param"))
			.andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.type").value("https://kiln.dev/problems/invalid-request"));
	}

	@Test
	void aServiceTypeBuiltWithProblemKeepsItsOwnType() throws Exception {
		this.mvc.perform(get("/teapot"))
			.andExpect(status().isIAmATeapot())
			.andExpect(jsonPath("$.type").value("https://kiln.dev/problems/teapot"))
			.andExpect(jsonPath("$.title").value("Teapot"));
	}

	@RestController
	static class Endpoints {

		@GetMapping("/boom")
		String boom() {
			throw new IllegalStateException("secret detail");
		}

		@GetMapping("/slow")
		String slow() throws TimeoutException {
			throw new TimeoutException("store");
		}

		@GetMapping("/needs-param")
		String needsParam(@RequestParam("n") int n) {
			return Integer.toString(n);
		}

		@GetMapping("/teapot")
		String teapot() {
			throw new TeapotException();
		}

	}

	static class TeapotException extends RuntimeException {

	}

	@RestControllerAdvice
	static class ServiceProblemHandler extends AbstractProblemHandler {

		@ExceptionHandler(TimeoutException.class)
		ResponseEntity<ProblemDetail> timeout(TimeoutException ex) {
			return unavailable("The store did not answer; retry later.");
		}

		@ExceptionHandler(TeapotException.class)
		ProblemDetail teapot(TeapotException ex) {
			return problem(HttpStatus.I_AM_A_TEAPOT, ProblemTypes.of("teapot"), "Teapot", "Short and stout.");
		}

	}

}
