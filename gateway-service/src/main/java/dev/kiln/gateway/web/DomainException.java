package dev.kiln.gateway.web;

import java.net.URI;
import java.util.List;

import dev.kiln.gateway.web.ApiProblemException.FieldProblem;

/**
 * A refusal of a feature package that says what went wrong, not how HTTP answers it: its stable problem
 * {@link #type() type} (see {@link ProblemTypes}) and its detail. The problem handler of this package chooses the
 * status, title and headers of each type, so that the feature packages stay free of HTTP statuses.
 */
public abstract class DomainException extends RuntimeException {

	private final URI type;

	private final List<FieldProblem> errors;

	/**
	 * A refusal.
	 * @param type the stable type URI (see {@link ProblemTypes})
	 * @param detail what happened in this case
	 * @param errors the offending fields, may be empty
	 */
	protected DomainException(URI type, String detail, List<FieldProblem> errors) {
		super(detail);
		this.type = type;
		this.errors = List.copyOf(errors);
	}

	/** The type URI. */
	public URI type() {
		return this.type;
	}

	/** The offending fields. */
	public List<FieldProblem> errors() {
		return this.errors;
	}

}
