/**
 * Chart-test helpers other modules' tests reuse through the {@code deploy} module's test jar.
 */
@NullMarked
package dev.kiln.deploy.testing;

import org.jspecify.annotations.NullMarked;
