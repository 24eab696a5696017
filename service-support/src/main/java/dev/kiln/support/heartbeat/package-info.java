/** Reading the heartbeats of live workers from Redis ({@code RedisKeys.workers()} and {@code RedisKeys.worker(id)}). */
@NullMarked
package dev.kiln.support.heartbeat;

import org.jspecify.annotations.NullMarked;
