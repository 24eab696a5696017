package dev.kiln.gateway.model;

import java.util.List;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import lombok.RequiredArgsConstructor;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Lists the models jobs may ask for. */
@RestController
@RequestMapping(path = "/v1/models", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "Models", description = "The models jobs may ask for and their limits")
@RequiredArgsConstructor
class ModelController {

	private final ModelCatalog catalog;

	@GetMapping
	@Operation(operationId = "listModels", summary = "List models",
			description = "Configured models (accepted even while no worker runs) and models live workers serve, "
					+ "with their limits, what they render and how many workers serve them now, and the default model.")
	@ApiResponse(responseCode = "200", description = "The models")
	@ApiResponse(responseCode = "401", description = "Missing or invalid API key", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	@ApiResponse(responseCode = "429", description = "Rate limited", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	ModelList list() {
		return new ModelList(this.catalog.models(), this.catalog.defaultModel());
	}

	/**
	 * The models.
	 *
	 * @param models every known model, by id
	 * @param defaultModel the model of a request that names none
	 */
	@Schema(description = "The models jobs may ask for")
	record ModelList(List<ModelView> models,
			@Schema(description = "The model of a request that names none", example = "kiln-builtin") String defaultModel) {
	}

}
