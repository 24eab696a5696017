/**
 * The models a worker serves, loaded once at start-up from their configured locations.
 */
@NullMarked
package dev.kiln.worker.model;

import org.jspecify.annotations.NullMarked;
