/**
 * How a Kiln service's application class is declared.
 */
@NullMarked
package dev.kiln.support.boot;

import org.jspecify.annotations.NullMarked;
