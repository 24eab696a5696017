package dev.kiln.gateway.input;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.util.UriComponentsBuilder;

import dev.kiln.gateway.auth.Caller;
import dev.kiln.gateway.web.ApiProblemException;
import dev.kiln.gateway.web.ProblemTypes;

/** Upload init images for img2img jobs. */
@RestController
@RequestMapping(path = "/v1/inputs", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "Inputs", description = "Upload init images for img2img jobs")
class InputController {

	/** The declared types accepted; the bytes must then decode as one of them. */
	private static final Set<String> TYPES = Set.of("image/png", "image/jpeg", "image/webp");

	private final InputStore store;

	private final long maxFileSize;

	InputController(InputStore store, InputProperties properties) {
		this.store = store;
		this.maxFileSize = properties.maxFileSize().toBytes();
	}

	@PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	@Operation(operationId = "uploadInput", summary = "Upload an init image",
			description = "Takes one PNG, JPEG or WebP image (part 'file', at most 10 MiB, 64 to 2048 pixels a side), "
					+ "decodes and checks it before storing anything, keeps it as PNG for the job retention and "
					+ "answers its id, to pass as a job's initImage. Only the uploading tenant's jobs can use it.")
	@ApiResponse(responseCode = "201", description = "Stored")
	@ApiResponse(responseCode = "401", description = "Missing or invalid API key",
			content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
					schema = @Schema(implementation = ProblemDetail.class)))
	@ApiResponse(responseCode = "400", description = "Not an image that decodes, or a size out of range",
			content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
					schema = @Schema(implementation = ProblemDetail.class)))
	@ApiResponse(responseCode = "413", description = "Larger than 10 MiB",
			content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
					schema = @Schema(implementation = ProblemDetail.class)))
	@ApiResponse(responseCode = "415", description = "Not PNG, JPEG or WebP",
			content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
					schema = @Schema(implementation = ProblemDetail.class)))
	ResponseEntity<InputImage> upload(@Parameter(hidden = true) Caller caller, @RequestPart("file") MultipartFile file,
			UriComponentsBuilder uris) {
		if (file.getSize() > this.maxFileSize) {
			throw tooLarge();
		}
		String type = (file.getContentType() != null) ? file.getContentType().toLowerCase(java.util.Locale.ROOT) : "";
		if (!TYPES.contains(type)) {
			throw new ApiProblemException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, ProblemTypes.UNSUPPORTED_MEDIA_TYPE,
					"Unsupported media type", "The file's type is '" + type + "'; send image/png, image/jpeg or "
							+ "image/webp.",
					List.of(), Map.of());
		}
		byte[] bytes;
		try {
			bytes = file.getBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		if (bytes.length > this.maxFileSize) {
			throw tooLarge();
		}
		InputImage input = this.store.store(caller.tenant(), bytes);
		return ResponseEntity.status(HttpStatus.CREATED)
			.location(uris.path("/v1/inputs/{id}").buildAndExpand(input.id()).toUri())
			.body(input);
	}

	/** Spring's multipart limit, hit while the body is parsed. */
	@ExceptionHandler(MaxUploadSizeExceededException.class)
	ResponseEntity<ProblemDetail> uploadTooLarge(MaxUploadSizeExceededException ex) {
		ApiProblemException problem = tooLarge();
		ProblemDetail detail = ProblemDetail.forStatusAndDetail(problem.status(), problem.getMessage());
		detail.setType(ProblemTypes.PAYLOAD_TOO_LARGE);
		detail.setTitle("Payload too large");
		return ResponseEntity.status(problem.status()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(detail);
	}

	private ApiProblemException tooLarge() {
		return new ApiProblemException(HttpStatus.CONTENT_TOO_LARGE, ProblemTypes.PAYLOAD_TOO_LARGE,
				"Payload too large", "The image is larger than " + this.maxFileSize + " bytes.", List.of(), Map.of());
	}

}
