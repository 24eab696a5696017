/**
 * Jobs: submitting a generation request and reading its status.
 */
@NullMarked
package dev.kiln.gateway.job;

import org.jspecify.annotations.NullMarked;
