/**
 * Web and Redis plumbing every Kiln service shares beyond the wire contract ({@code dev.kiln.contract}), written once:
 * {@link dev.kiln.support.problem problem details}, {@link dev.kiln.support.apikey API-key reading and hashing} and
 * {@link dev.kiln.support.heartbeat worker heartbeat reading}. A plain library: it declares no Spring beans of its own;
 * each service wires what it uses.
 */
@NullMarked
package dev.kiln.support;

import org.jspecify.annotations.NullMarked;
