package dev.kiln.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.kiln.chaos.FaultInjector.Fault;
import dev.kiln.chaos.FaultInjector.Kind;
import dev.kiln.contract.ObjectKeys;

/**
 * The verdict of a chaos run: the invariants, checked over every job the checker observed, and the figures.
 *
 * <p>Invariants (each breach is a violation): every accepted job has a record (not lost) in exactly one terminal
 * state, with exactly one terminal entry in its event stream; no accepted job failed or was cancelled (the run
 * cancels nothing, so either can only come from a fault); every {@code SUCCEEDED} job has exactly its images and
 * {@code metadata.json} in S3, nothing missing and nothing extra (no second set; a stray checkpoint only when
 * {@link ChaosOptions#strictCheckpoints()}, else it is counted apart); a job that did not
 * succeed has no outputs; a job recorded without a 202 (its submission failed ambiguously) is finished too; the jobs
 * queues hold no message once the run settled, and the dead-letter queues (the lanes' and the events') none at
 * all.</p>
 *
 * @param options the run's options
 * @param submitted submissions attempted
 * @param submitRetries extra submission attempts after a 5xx, 429 or connection error
 * @param retryReasons why: status code or exception class to count
 * @param rejected submissions answered with another 4xx, with the answer
 * @param observations every accepted or recorded job
 * @param orphanOutputs objects in S3 under no observed job
 * @param leftoverMessages messages still in the jobs queues (visible, in flight or delayed)
 * @param deadLetters messages in the dead-letter queues (the lanes' and the events')
 * @param faults the faults injected
 * @param injectorErrors faults that could not be injected, or workers that could not be replaced
 * @param submitting how long submission took
 * @param settling from the end of the fault window (the last fault injected and its replacement worker up) until
 * every job was finished and the jobs queues were empty
 * @param pace what the settle time is made of: the jobs still unfinished when settling began and how long the workers
 * took to start
 */
record ChaosReport(ChaosOptions options, int submitted, int submitRetries, Map<String, Integer> retryReasons,
		List<String> rejected,
		List<JobObservation> observations, List<String> orphanOutputs, int leftoverMessages, int deadLetters,
		List<Fault> faults, List<String> injectorErrors, Duration submitting, Duration settling, Pace pace) {

	/**
	 * Whether the fleet kept up while the faults were injected. A worker takes no job from its launch until it
	 * heartbeats, and the injector faults a worker as soon as one is running; when workers are faulted more often than
	 * they can start, the fleet spends most of the window starting and the jobs queue up. The settle time then
	 * measures how long the fleet took to work off that backlog once the faults stopped, not how long the system took
	 * to recover from a fault (run D in {@code RESULTS.md}: 1467 jobs still queued, never received, when settling
	 * began).
	 * @param backlog jobs accepted or recorded but not finished when settling began; negative when Redis could not
	 * be read then
	 * @param workerStarts for each worker that came up, launch to first heartbeat
	 */
	record Pace(int backlog, List<Duration> workerStarts) {

		/** Launch to first heartbeat: how many workers came up, the mean and the longest. */
		String workerStartSummary() {
			if (this.workerStarts.isEmpty()) {
				return "none";
			}
			long total = this.workerStarts.stream().mapToLong(Duration::toMillis).sum();
			Duration mean = Duration.ofMillis(total / this.workerStarts.size());
			Duration longest = this.workerStarts.stream().max(Duration::compareTo).orElseThrow();
			return this.workerStarts.size() + ", " + seconds(mean) + " / " + seconds(longest);
		}

	}

	/** Every breached invariant, one line each; empty when the run passed. */
	List<String> violations() {
		List<String> violations = new ArrayList<>();
		if (this.observations.stream().filter(JobObservation::accepted).count() != this.submitted) {
			violations.add("only " + this.observations.stream().filter(JobObservation::accepted).count() + " of "
					+ this.submitted + " submissions were accepted");
		}
		for (String rejection : this.rejected) {
			violations.add("submission rejected: " + rejection);
		}
		for (JobObservation job : this.observations) {
			String who = job.jobId() + (job.accepted() ? "" : " (recorded without a 202)");
			if (!job.recorded()) {
				violations.add(who + ": LOST (no record)");
				continue;
			}
			if (job.state() == null || !terminal(job.state())) {
				violations.add(who + ": not finished, state " + job.state());
				continue;
			}
			if (job.terminalEntries() != 1) {
				violations.add(who + ": " + job.terminalEntries() + " terminal entries in its event stream");
			}
			if ("SUCCEEDED".equals(job.state())) {
				Set<String> expected = new HashSet<>(job.expectedOutputs(ChaosStack.TENANT));
				Set<String> found = new HashSet<>(job.outputKeys());
				if (!this.options.strictCheckpoints()) {
					found.remove(ObjectKeys.checkpoint(ChaosStack.TENANT, job.jobId()));
				}
				if (!found.equals(expected)) {
					violations.add(who + ": outputs " + new TreeSet<>(job.outputKeys()) + ", expected "
							+ new TreeSet<>(expected));
				}
			}
			else {
				violations.add(who + ": " + job.state() + " (" + job.errorType() + ": " + job.errorDetail() + ")");
				if (!job.outputKeys().isEmpty()) {
					violations.add(who + ": " + job.state() + " but has outputs " + job.outputKeys());
				}
			}
		}
		if (this.leftoverMessages > 0) {
			violations.add(this.leftoverMessages + " message(s) left in the jobs queues");
		}
		if (this.deadLetters > 0) {
			violations.add(this.deadLetters + " message(s) in the dead-letter queues (jobs or events)");
		}
		for (String error : this.injectorErrors) {
			violations.add("fault injector: " + error);
		}
		return violations;
	}

	private static boolean terminal(String state) {
		return state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED");
	}

	/** Jobs that started rendering more than once (a crash, drain or outage made them render again). */
	long reRenderedJobs() {
		return this.observations.stream().filter((job) -> job.renderStarts() > 1).count();
	}

	/** Renders started beyond one per job. */
	long extraRenders() {
		return this.observations.stream().mapToLong((job) -> Math.max(0, job.renderStarts() - 1)).sum();
	}

	/** {@code SUCCEEDED} jobs whose checkpoint is still in S3. */
	long strayCheckpoints() {
		return this.observations.stream()
			.filter((job) -> "SUCCEEDED".equals(job.state())
					&& job.outputKeys().contains(ObjectKeys.checkpoint(ChaosStack.TENANT, job.jobId())))
			.count();
	}

	long count(String state) {
		return this.observations.stream().filter((job) -> state.equals(job.state())).count();
	}

	/** The summary table and, when there are any, the violations. */
	String toMarkdown() {
		Map<Kind, Integer> byKind = new EnumMap<>(Kind.class);
		for (Fault fault : this.faults) {
			byKind.merge(fault.kind(), 1, Integer::sum);
		}
		StringBuilder out = new StringBuilder();
		out.append("| Figure | Value |\n|---|---|\n");
		row(out, "Jobs submitted / accepted", this.submitted + " / "
				+ this.observations.stream().filter(JobObservation::accepted).count());
		row(out, "Submission retries (5xx, 429, connection errors)",
				this.submitRetries + (this.retryReasons.isEmpty() ? "" : " " + new TreeMap<>(this.retryReasons)));
		row(out, "Recorded without a 202", this.observations.stream().filter((job) -> !job.accepted()).count());
		row(out, "SUCCEEDED / FAILED / CANCELLED", count("SUCCEEDED") + " / " + count("FAILED") + " / "
				+ count("CANCELLED"));
		row(out, "Lost (accepted, no record)", this.observations.stream().filter((job) -> !job.recorded()).count());
		row(out, "Not finished", this.observations.stream()
			.filter((job) -> job.recorded() && (job.state() == null || !terminal(job.state())))
			.count());
		row(out, "Jobs rendered more than once / extra renders", reRenderedJobs() + " / " + extraRenders());
		row(out, "Orphan objects in S3", this.orphanOutputs.size());
		row(out, "SUCCEEDED jobs with a stray checkpoint" + (this.options.strictCheckpoints() ? ""
				: " (not counted: strict-checkpoints=false)"), strayCheckpoints());
		row(out, "Messages left in jobs queues / dead letters (jobs + events)",
				this.leftoverMessages + " / " + this.deadLetters);
		for (Kind kind : Kind.values()) {
			row(out, "Faults: " + kind, byKind.getOrDefault(kind, 0));
		}
		row(out, "Submission time / settle time", seconds(this.submitting) + " / " + seconds(this.settling));
		row(out, "Jobs unfinished when settling began", (this.pace.backlog() >= 0) ? this.pace.backlog() : "unknown");
		row(out, "Worker starts (launch to heartbeat): count, mean / longest", this.pace.workerStartSummary());
		row(out, "Seed / workers / max receive count", this.options.seed() + " / " + this.options.workers() + " / "
				+ this.options.maxReceiveCount());
		List<String> violations = violations();
		row(out, "Invariant violations", violations.size());
		if (!violations.isEmpty()) {
			out.append("\nViolations:\n");
			violations.stream().limit(50).forEach((line) -> out.append("- ").append(line).append('\n'));
		}
		if (!this.orphanOutputs.isEmpty()) {
			out.append("\nOrphan objects (first 20): ").append(this.orphanOutputs.stream().limit(20).toList())
				.append('\n');
		}
		return out.toString();
	}

	private static String seconds(Duration duration) {
		return "%.1f s".formatted(duration.toMillis() / 1000.0);
	}

	private static void row(StringBuilder out, String name, Object value) {
		out.append("| ").append(name).append(" | ").append(value).append(" |\n");
	}

}
