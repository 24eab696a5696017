/**
 * In-process stand-ins for the services Kiln runs against in production, each speaking the real wire protocol: SQS
 * (ElasticMQ), S3 (LocalS3, path-style) and Redis (a real redis-server binary). Used by integration tests and by the
 * local stack; never by production code.
 */
@NullMarked
package dev.kiln.embedded;

import org.jspecify.annotations.NullMarked;
