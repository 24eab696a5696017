/**
 * Where replica prices come from: the configured table today; a live spot price source plugs in behind
 * {@link dev.kiln.advisor.price.PriceProvider}.
 */
@NullMarked
package dev.kiln.advisor.price;

import org.jspecify.annotations.NullMarked;
