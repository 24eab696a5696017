package dev.kiln.gateway.auth;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Administration: API keys. Needs an admin key. */
@RestController
@RequestMapping(path = "/admin", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "Admin", description = "Administration; needs an admin API key")
class AdminController {

	private final ApiKeys keys;

	AdminController(ApiKeys keys) {
		this.keys = keys;
	}

	@PostMapping(path = "/api-keys", consumes = MediaType.APPLICATION_JSON_VALUE)
	@ResponseStatus(HttpStatus.CREATED)
	@Operation(operationId = "createApiKey", summary = "Create an API key",
			description = "Creates a key for a tenant. The key is returned once; only its SHA-256 is stored.")
	@ApiResponse(responseCode = "201", description = "Created")
	@ApiResponse(responseCode = "400", description = "Invalid request", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	@ApiResponse(responseCode = "401", description = "Missing or invalid API key", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	@ApiResponse(responseCode = "403", description = "Not an admin key", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	CreatedKey create(@Parameter(hidden = true) Caller caller, @Valid @RequestBody CreateKeyRequest request) {
		String key = this.keys.create(request.tenant(), Boolean.TRUE.equals(request.admin()),
				(request.name() != null) ? request.name() : "created by " + caller.keyName());
		return new CreatedKey(key, request.tenant(), Boolean.TRUE.equals(request.admin()));
	}

	/**
	 * A request for a new key.
	 *
	 * @param tenant the tenant it acts for
	 * @param admin whether it may reach {@code /admin/**}
	 * @param name a label for people
	 */
	@Schema(description = "A request for a new API key")
	record CreateKeyRequest(
			@Schema(description = "Tenant id", example = "acme", requiredMode = Schema.RequiredMode.REQUIRED) @NotBlank @Pattern(
					regexp = "[a-z0-9][a-z0-9_-]{0,62}",
					message = "must be lower-case letters, digits, '-' or '_'") String tenant,
			@Schema(description = "Whether the key may reach /admin/**", defaultValue = "false") @Nullable Boolean admin,
			@Schema(description = "Label", example = "ci pipeline") @Size(max = 100) @Nullable String name) {
	}

	/**
	 * A new key, shown once.
	 *
	 * @param key the key; store it, it cannot be shown again
	 * @param tenant the tenant it acts for
	 * @param admin whether it may reach {@code /admin/**}
	 */
	@Schema(description = "A new API key; it is shown only once")
	record CreatedKey(String key, String tenant, boolean admin) {
	}

}
