/**
 * The chaos run: the services in one JVM, the workers as separate processes, a seeded fault injector (SIGKILL,
 * SIGTERM, spot notices, Redis and SQS restarts) and an invariant checker that proves no accepted job was lost.
 */
@NullMarked
package dev.kiln.chaos;

import org.jspecify.annotations.NullMarked;
