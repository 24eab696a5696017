package dev.kiln.gateway.job;

import java.util.List;

import io.swagger.v3.oas.annotations.media.Schema;
import org.jspecify.annotations.Nullable;

/**
 * A page of the caller's jobs, newest first.
 *
 * @param jobs the jobs
 * @param nextCursor pass as {@code cursor} for the next page; {@code null} on the last page
 */
@Schema(description = "A page of jobs, newest first")
public record JobPage(List<JobView> jobs, @Nullable String nextCursor) {
}
