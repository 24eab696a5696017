/** Property-based and corpus tests: every bad request gets a 4xx problem and nothing is enqueued. */
@NullMarked
package dev.kiln.gateway.badinput;

import org.jspecify.annotations.NullMarked;
