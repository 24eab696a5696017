/**
 * Kiln's public REST API: accepts generation requests, records them in Redis, enqueues them to SQS and serves job
 * status with presigned links to the images.
 */
@NullMarked
package dev.kiln.gateway;

import org.jspecify.annotations.NullMarked;
