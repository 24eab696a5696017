package dev.kiln.gateway.auth;

import java.util.List;
import java.util.Map;

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
import lombok.RequiredArgsConstructor;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import dev.kiln.gateway.web.ApiProblemException;
import dev.kiln.gateway.web.ProblemTypes;

/** Administration: create and revoke API keys. Needs an admin key. */
@RestController
@RequestMapping(path = "/admin", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "Admin", description = "Administration; needs an admin API key")
@RequiredArgsConstructor
class AdminController {

	private final ApiKeys keys;

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
		return new CreatedKey(ApiKeys.id(key), key, request.tenant(), Boolean.TRUE.equals(request.admin()));
	}

	@DeleteMapping("/api-keys/{id}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	@Operation(operationId = "revokeApiKey", summary = "Revoke an API key",
			description = "Deletes the key with this id (the lower-case hex SHA-256 of the key, as returned on "
					+ "creation). It stops working at once on the replica that answers and within "
					+ "kiln.gateway.auth.key-cache-ttl (5 s by default) on the others, which remember valid keys "
					+ "that long.")
	@ApiResponse(responseCode = "204", description = "Revoked")
	@ApiResponse(responseCode = "401", description = "Missing or invalid API key", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	@ApiResponse(responseCode = "403", description = "Not an admin key", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	@ApiResponse(responseCode = "404", description = "No such key", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE, schema = @Schema(implementation = ProblemDetail.class)))
	void revoke(@Parameter(description = "The key's id: the lower-case hex SHA-256 of the key") @PathVariable String id) {
		if (!id.matches("[0-9a-f]{64}") || !this.keys.revoke(id)) {
			throw new ApiProblemException(HttpStatus.NOT_FOUND, ProblemTypes.API_KEY_NOT_FOUND, "API key not found",
					"There is no API key with this id.", List.of(), Map.of());
		}
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
			@Schema(description = "Label; leave it out for none", example = "ci pipeline") @Size(min = 1, max = 100,
					message = "must be 1 to 100 characters; leave the field out for none") @Nullable String name) {
	}

	/**
	 * A new key, shown once.
	 *
	 * @param id the key's id (the lower-case hex SHA-256 of the key), to revoke it with
	 * @param key the key; store it, it cannot be shown again
	 * @param tenant the tenant it acts for
	 * @param admin whether it may reach {@code /admin/**}
	 */
	@Schema(description = "A new API key; it is shown only once")
	record CreatedKey(String id, String key, String tenant, boolean admin) {
	}

}
