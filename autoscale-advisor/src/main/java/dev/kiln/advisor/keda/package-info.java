/**
 * KEDA external scaler over gRPC ({@code externalscaler.ExternalScaler}, KEDA v2.20 wire contract), serving the
 * advisor's decisions to {@code external} and {@code external-push} triggers.
 */
@NullMarked
package dev.kiln.advisor.keda;

import org.jspecify.annotations.NullMarked;
