/**
 * Inputs: images a tenant uploads ({@code POST /v1/inputs}) as the start of img2img jobs. An upload is decoded and
 * size-checked before anything is stored, then kept as PNG under the tenant's prefix in the bucket
 * ({@code ObjectKeys.input}), where the bucket's lifecycle rule for job outputs expires it too.
 */
@NullMarked
package dev.kiln.gateway.input;

import org.jspecify.annotations.NullMarked;
