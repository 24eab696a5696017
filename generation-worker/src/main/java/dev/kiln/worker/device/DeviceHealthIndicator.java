package dev.kiln.worker.device;

import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

import dev.kiln.worker.model.ModelRegistry;

/**
 * Checks once, after the models loaded, that a worker given an NVIDIA GPU renders on it. When it does not (a model
 * with {@code device=auto} fell back to the CPU because libtorch is a CPU build or cannot use the driver) it logs an
 * error, the {@code kiln_worker_device} gauge carries {@code mismatch="true"}, and the {@code device} health is
 * {@code DOWN} with the details. The worker keeps rendering (slowly): the {@code device} health is part of
 * {@code /actuator/health} but not of the liveness and readiness groups, so Kubernetes neither restarts the pod in a
 * loop nor drops it from the metrics Service that carries the alert.
 * <p>
 * The gauge, {@code kiln_worker_device{type, nvidia, mismatch}} = 1: {@code type} is {@code gpu} or {@code cpu} (where
 * the models render), {@code nvidia} whether the container was given an NVIDIA GPU.
 */
@Component
class DeviceHealthIndicator implements HealthIndicator {

	private static final Logger logger = LoggerFactory.getLogger(DeviceHealthIndicator.class);

	private final DeviceReport report;

	DeviceHealthIndicator(ModelRegistry models, NvidiaDevices nvidia, Libtorch libtorch, MeterRegistry meters) {
		this.report = DeviceReport.of(models.all(), nvidia, libtorch);
		Gauge.builder("kiln.worker.device", () -> 1)
			.description("Where the worker renders (type), whether it was given an NVIDIA GPU (nvidia), and whether it "
					+ "renders on the CPU although it was (mismatch)")
			.tag("type", this.report.type())
			.tag("nvidia", String.valueOf(!this.report.nvidia().isEmpty()))
			.tag("mismatch", String.valueOf(this.report.mismatch()))
			.register(meters);
		if (this.report.mismatch()) {
			logger.error(this.report.problem());
		}
		else {
			logger.info("Rendering on {} (libtorch sees {} CUDA device(s); NVIDIA evidence: {}); {}", this.report.type(),
					this.report.gpus(), this.report.nvidia(), this.report.libtorch());
		}
		if (this.report.gpus() > 1) {
			logger.warn("libtorch sees {} CUDA devices but this worker renders one job at a time on gpu(0); give each "
					+ "worker pod one GPU (the Helm chart refuses more) and run more pods", this.report.gpus());
		}
	}

	@Override
	public Health health() {
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("type", this.report.type());
		details.put("gpus", this.report.gpus());
		details.put("nvidia", this.report.nvidia());
		details.put("libtorch", this.report.libtorch());
		if (this.report.mismatch()) {
			details.put("error", this.report.problem());
			return Health.down().withDetails(details).build();
		}
		return Health.up().withDetails(details).build();
	}

}
