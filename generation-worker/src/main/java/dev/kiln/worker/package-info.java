/**
 * The generation worker.
 */
@NullMarked
package dev.kiln.worker;

import org.jspecify.annotations.NullMarked;
