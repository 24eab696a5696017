package dev.kiln.contract;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The one definition of Kiln's SQS queue names. With the default prefix {@code kiln}: {@code kiln-jobs-standard},
 * {@code kiln-jobs-standard-dlq} (and likewise per lane) and {@code kiln-events}.
 *
 * @param prefix prefix shared by every queue of one Kiln installation
 */
public record QueueNames(String prefix) {

	/** The prefix used when none is configured. */
	public static final String DEFAULT_PREFIX = "kiln";

	private static final Pattern VALID_PREFIX = Pattern.compile("[A-Za-z0-9_-]{1,40}");

	public QueueNames {
		Objects.requireNonNull(prefix, "prefix");
		if (!VALID_PREFIX.matcher(prefix).matches()) {
			throw new IllegalArgumentException("Queue prefix '" + prefix
					+ "' must be 1-40 characters of letters, digits, '-' or '_' (SQS queue name rules)");
		}
	}

	/** Queue names with the default prefix. */
	public static QueueNames defaults() {
		return new QueueNames(DEFAULT_PREFIX);
	}

	/** The jobs queue of a lane. */
	public String jobs(Lane lane) {
		return prefix + "-jobs-" + lane.wireName();
	}

	/** The dead-letter queue of a lane's jobs queue. */
	public String deadLetters(Lane lane) {
		return jobs(lane) + "-dlq";
	}

	/** The queue workers send job events to. */
	public String events() {
		return prefix + "-events";
	}

	/** The dead-letter queue of the events queue. */
	public String eventsDeadLetters() {
		return events() + "-dlq";
	}

}
