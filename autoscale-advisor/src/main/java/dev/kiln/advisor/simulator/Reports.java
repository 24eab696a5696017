package dev.kiln.advisor.simulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

import dev.kiln.contract.Lane;

/** Renders simulation results as Markdown, CSV and a PNG chart. */
public final class Reports {

	private Reports() {
	}

	/** A Markdown table, one row per result. */
	public static String markdown(List<SimulationResult> results) {
		StringBuilder out = new StringBuilder();
		out.append("| trace | policy | cost $ | $ per 1M images | GPU-h | spot GPU-h | idle GPU-h | interactive wait p50/p95/p99 s "
				+ "| standard wait p50/p95/p99 s | batch wait p50/p95/p99 s | deadline misses i/s/b | scale events "
				+ "| spot interruptions |\n");
		out.append("|---|---|---:|---:|---:|---:|---:|---|---|---|---|---:|---:|\n");
		for (SimulationResult result : results) {
			out.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.1f | %.1f | %.1f | %s | %s | %s | %d/%d/%d | %d | %d |%n",
					result.trace(), result.policy(), result.cost(), result.perMillion(), result.gpuHours(), result.spotGpuHours(),
					result.idleGpuHours(), waits(result, Lane.INTERACTIVE), waits(result, Lane.STANDARD),
					waits(result, Lane.BATCH), result.misses().get(Lane.INTERACTIVE), result.misses().get(Lane.STANDARD),
					result.misses().get(Lane.BATCH), result.scaleEvents(), result.interruptions()));
		}
		return out.toString();
	}

	/** CSV, one row per result; waits in seconds. */
	public static String csv(List<SimulationResult> results) {
		StringBuilder out = new StringBuilder("trace,policy,jobs,cost_usd,usd_per_million,gpu_hours,spot_gpu_hours,idle_gpu_hours");
		for (Lane lane : Lane.values()) {
			out.append(String.format(Locale.ROOT, ",%1$s_wait_p50,%1$s_wait_p95,%1$s_wait_p99,%1$s_misses",
					lane.wireName()));
		}
		out.append(",scale_events,spot_interruptions\n");
		for (SimulationResult result : results) {
			out.append(String.format(Locale.ROOT, "%s,%s,%d,%.4f,%.4f,%.4f,%.4f,%.4f", result.trace(), result.policy(),
					result.jobs(), result.cost(), result.perMillion(), result.gpuHours(), result.spotGpuHours(), result.idleGpuHours()));
			for (Lane lane : Lane.values()) {
				out.append(String.format(Locale.ROOT, ",%.1f,%.1f,%.1f,%d", result.waitPercentile(lane, 50),
						result.waitPercentile(lane, 95), result.waitPercentile(lane, 99), result.misses().get(lane)));
			}
			out.append(String.format(Locale.ROOT, ",%d,%d%n", result.scaleEvents(), result.interruptions()));
		}
		return out.toString();
	}

	/** A PNG with one chart per result: waiting jobs and paid replicas over time. */
	public static void chart(List<SimulationResult> results, Path png) {
		List<XYChart> charts = new ArrayList<>();
		for (SimulationResult result : results) {
			XYChart chart = new XYChartBuilder().width(900)
				.height(320)
				.title(result.trace() + " / " + result.policy() + String.format(Locale.ROOT, " ($%.2f)", result.cost()))
				.xAxisTitle("hours")
				.build();
			chart.getStyler().setMarkerSize(0);
			chart.getStyler().setYAxisLogarithmic(false);
			double[] hours = result.series().stream().mapToDouble(SimulationResult.Sample::hours).toArray();
			if (hours.length == 0) {
				hours = new double[] { 0 };
			}
			double[] waiting = pad(result.series().stream().mapToDouble(SimulationResult.Sample::waiting).toArray());
			double[] replicas = pad(result.series().stream().mapToDouble(SimulationResult.Sample::replicas).toArray());
			chart.addSeries("waiting jobs", hours, waiting).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
			XYSeries replicaSeries = chart.addSeries("replicas (right axis)", hours, replicas);
			replicaSeries.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
			replicaSeries.setYAxisGroup(1);
			chart.setYAxisGroupTitle(0, "waiting jobs");
			chart.setYAxisGroupTitle(1, "replicas");
			chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
			charts.add(chart);
		}
		try {
			BitmapEncoder.saveBitmap(charts, charts.size(), 1,
					png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot write chart " + png, ex);
		}
	}

	private static double[] pad(double[] values) {
		return (values.length == 0) ? new double[] { 0 } : values;
	}

	private static String waits(SimulationResult result, Lane lane) {
		if (result.waits().get(lane).isEmpty()) {
			return "–";
		}
		return String.format(Locale.ROOT, "%.0f / %.0f / %.0f", result.waitPercentile(lane, 50),
				result.waitPercentile(lane, 95), result.waitPercentile(lane, 99));
	}

}
