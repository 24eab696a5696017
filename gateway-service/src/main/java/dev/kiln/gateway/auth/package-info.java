/**
 * API keys and tenants: who is calling. Keys are stored only as SHA-256 hashes; every request to {@code /v1/**} and
 * {@code /admin/**} must carry one, and each maps to exactly one tenant.
 */
@NullMarked
package dev.kiln.gateway.auth;

import org.jspecify.annotations.NullMarked;
