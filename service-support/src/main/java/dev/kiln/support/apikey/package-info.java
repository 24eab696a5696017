/**
 * API keys as the services see them: the key a request presents ({@code Authorization: Bearer} or
 * {@code X-Api-Key}) and its id, the lower-case hex SHA-256 under which {@code RedisKeys.apiKey} stores it.
 */
@NullMarked
package dev.kiln.support.apikey;

import org.jspecify.annotations.NullMarked;
