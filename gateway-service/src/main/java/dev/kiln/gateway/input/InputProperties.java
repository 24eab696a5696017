package dev.kiln.gateway.input;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Limits of uploaded init images ({@code kiln.gateway.inputs}). The byte limit is also Spring's multipart limit
 * ({@code spring.servlet.multipart.max-file-size}); this one is checked again on the file that arrives.
 *
 * @param maxFileSize largest upload; larger ones are answered with 413
 * @param maxSide largest width or height in pixels, the most a job's {@code width}/{@code height} may be
 */
@ConfigurationProperties("kiln.gateway.inputs")
@Validated
record InputProperties(@DefaultValue("10MB") @NotNull DataSize maxFileSize,
		@DefaultValue("2048") @Min(64) @Max(8192) int maxSide) {
}
