package dev.kiln.advisor.simulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import dev.kiln.contract.Lane;

/**
 * A job trace: a start instant and jobs sorted by arrival. CSV form: a header
 * {@code at_seconds,lane,deadline_seconds,render_seconds}, then one job per line.
 *
 * @param name what the trace is called in reports
 * @param start the instant the trace's second zero maps to (decides time of day and spot prices)
 * @param jobs the jobs, by arrival
 */
public record Trace(String name, Instant start, List<TraceJob> jobs) {

	static final String HEADER = "at_seconds,lane,deadline_seconds,render_seconds";

	public Trace {
		jobs = jobs.stream().sorted(Comparator.comparingDouble(TraceJob::atSeconds)).toList();
	}

	/** Reads a trace CSV. */
	public static Trace read(Path file, Instant start) {
		try {
			List<TraceJob> jobs = new ArrayList<>();
			int number = 0;
			for (String line : Files.readAllLines(file)) {
				number++;
				if (line.isBlank() || line.startsWith("at_seconds")) {
					continue;
				}
				String[] cells = line.split(",");
				if (cells.length != 4) {
					throw new IllegalArgumentException(
							file + ":" + number + ": expected 4 columns (" + HEADER + "), got '" + line + "'");
				}
				jobs.add(new TraceJob(Double.parseDouble(cells[0].trim()), Lane.fromWireName(cells[1].trim()),
						Double.parseDouble(cells[2].trim()), Double.parseDouble(cells[3].trim())));
			}
			String name = file.getFileName().toString().replaceFirst("\\.csv$", "");
			return new Trace(name, start, jobs);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read trace " + file, ex);
		}
	}

	/** Writes this trace as CSV. */
	public void write(Path file) {
		StringBuilder csv = new StringBuilder(HEADER).append('\n');
		for (TraceJob job : this.jobs) {
			csv.append(String.format(Locale.ROOT, "%.3f,%s,%.0f,%.3f%n", job.atSeconds(), job.lane().wireName(),
					job.deadlineSeconds(), job.renderSeconds()));
		}
		try {
			Files.writeString(file, csv);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot write trace " + file, ex);
		}
	}

	/** Seconds from the start to the last arrival. */
	public double lengthSeconds() {
		return this.jobs.isEmpty() ? 0 : this.jobs.get(this.jobs.size() - 1).atSeconds();
	}

}
