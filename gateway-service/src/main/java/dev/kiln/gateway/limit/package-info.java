/**
 * Per-tenant request rate limits with Bucket4j token buckets kept in Redis (Lettuce compare-and-swap backend), so
 * that a limit holds across every gateway replica.
 */
@NullMarked
package dev.kiln.gateway.limit;

import org.jspecify.annotations.NullMarked;
