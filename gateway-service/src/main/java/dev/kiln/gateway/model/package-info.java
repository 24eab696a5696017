/**
 * The models jobs may ask for: a configured catalog (so jobs are accepted while no worker runs) merged with the
 * models live workers announce in their heartbeats.
 */
@NullMarked
package dev.kiln.gateway.model;

import org.jspecify.annotations.NullMarked;
