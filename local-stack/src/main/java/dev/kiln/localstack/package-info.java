/**
 * The local stack: embedded SQS, S3 and Redis plus all four services in one JVM, no Docker needed.
 */
@NullMarked
package dev.kiln.localstack;

import org.jspecify.annotations.NullMarked;
