/**
 * The autoscale advisor.
 */
@NullMarked
package dev.kiln.advisor;

import org.jspecify.annotations.NullMarked;
