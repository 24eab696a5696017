package dev.kiln.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Progress lines, the machine description, and the generated section of {@code BENCHMARKS.md}. */
final class Report {

	static final String BEGIN = "<!-- kiln-benchmarks:begin (written by KilnBenchmarks; edit the method text above or below) -->";

	static final String END = "<!-- kiln-benchmarks:end -->";

	private Report() {
	}

	static void progress(String format, Object... args) {
		System.out.printf("[bench] " + format + "%n", args);
		System.out.flush();
	}

	static String machine() {
		String cpu = "unknown CPU";
		long memoryKib = 0;
		try {
			for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
				if (line.startsWith("model name")) {
					cpu = line.substring(line.indexOf(':') + 1).trim();
					break;
				}
			}
			for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
				if (line.startsWith("MemTotal:")) {
					memoryKib = Long.parseLong(line.replaceAll("[^0-9]", ""));
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			// not Linux: leave the defaults
		}
		String load = "unknown";
		try {
			load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
		}
		catch (IOException | RuntimeException ex) {
			// not Linux
		}
		return "%d CPUs (`nproc`), %s; %.1f GiB memory; %s %s (%s), %s %s; 1-min load average at start %s; date %s".formatted(
				Runtime.getRuntime().availableProcessors(), cpu, memoryKib / 1024.0 / 1024.0,
				System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
				System.getProperty("java.vm.vendor"), System.getProperty("os.name"), System.getProperty("os.arch"), load,
				Instant.now().truncatedTo(ChronoUnit.SECONDS));
	}

	/**
	 * Replaces the generated section of {@code file} (between {@link #BEGIN} and {@link #END}) with {@code body},
	 * appending the section when the file has none, and creating the file when missing.
	 */
	static void write(Path file, String body) throws IOException {
		String section = BEGIN + "\n" + body.strip() + "\n" + END;
		String text = Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
		int begin = text.indexOf(BEGIN);
		int end = text.indexOf(END);
		if (begin >= 0 && end > begin) {
			text = text.substring(0, begin) + section + text.substring(end + END.length());
		}
		else {
			text = text + (text.isEmpty() || text.endsWith("\n") ? "" : "\n") + "\n" + section + "\n";
		}
		Files.writeString(file, text, StandardCharsets.UTF_8);
	}

}
