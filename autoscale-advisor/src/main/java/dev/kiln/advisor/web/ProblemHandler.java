package dev.kiln.advisor.web;

import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.kiln.support.problem.AbstractProblemHandler;

/**
 * Turns every error into RFC 9457 {@code application/problem+json} with a stable {@code https://kiln.dev/problems/...}
 * type; never exposes class names or stack traces. The advisor has no errors of its own to map: everything is
 * {@link AbstractProblemHandler}'s.
 */
@RestControllerAdvice
class ProblemHandler extends AbstractProblemHandler {

}
