/**
 * What every Kiln service must agree on, bound and validated once: {@link dev.kiln.support.config.SharedProperties}
 * under {@code kiln.*}, registered in every service that has this jar by
 * {@link dev.kiln.support.config.SharedPropertiesConfiguration}, with the older per-service names kept working for
 * one release by {@link dev.kiln.support.config.SharedPropertyAliases}.
 */
@NullMarked
package dev.kiln.support.config;

import org.jspecify.annotations.NullMarked;
