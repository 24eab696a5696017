/**
 * RFC 9457 problem details shared by the services: the stable problem type URIs every service uses with the same
 * meaning, and the base of each service's {@code @RestControllerAdvice}.
 */
@NullMarked
package dev.kiln.support.problem;

import org.jspecify.annotations.NullMarked;
