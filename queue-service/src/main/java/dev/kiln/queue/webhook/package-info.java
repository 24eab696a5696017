/**
 * Webhooks: signed JSON events POSTed to a job's callback URL, with retries whose state lives in Redis.
 */
@NullMarked
package dev.kiln.queue.webhook;

import org.jspecify.annotations.NullMarked;
