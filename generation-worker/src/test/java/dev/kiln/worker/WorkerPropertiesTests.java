package dev.kiln.worker;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.context.annotation.Configuration;
import org.springframework.validation.FieldError;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad worker configuration stops start-up with a message naming the property. */
class WorkerPropertiesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
		.withUserConfiguration(Config.class)
		.withPropertyValues("kiln.worker.model-cache=/tmp/models", "kiln.worker.models.m.type=builtin",
				"kiln.worker.models.m.location=file:/tmp/models/m");

	@Test
	void bindsDefaults() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			WorkerProperties properties = context.getBean(WorkerProperties.class);
			assertThat(properties.receiveBatch()).isEqualTo(1);
			assertThat(properties.laneTurnAfter()).isEqualTo(4);
			assertThat(properties.spot().enabled()).isFalse();
			// unset: the model's kiln-model.json decides, else pndm (ModelRegistry.limits, StableDiffusionGenerator.load)
			assertThat(properties.models().get("m").scheduler()).isNull();
			assertThat(properties.models().get("m").maxBatch()).isNull();
			assertThat(properties.modelDownload().parallelism()).isEqualTo(4);
		});
	}

	@Test
	void modelsWithoutADeviceTakeTheWorkersAndAModelsOwnWins() {
		this.runner
			.withPropertyValues("kiln.worker.device=gpu", "kiln.worker.models.cpu-only.type=builtin",
					"kiln.worker.models.cpu-only.location=file:/tmp/models/c", "kiln.worker.models.cpu-only.device=cpu")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				WorkerProperties properties = context.getBean(WorkerProperties.class);
				assertThat(properties.device()).isEqualTo("gpu");
				assertThat(properties.models().get("m").device()).isEqualTo("gpu");
				assertThat(properties.models().get("cpu-only").device()).isEqualTo("cpu");
			});
	}

	@Test
	void theWorkersDeviceDefaultsToAuto() {
		this.runner.run((context) -> assertThat(
				context.getBean(WorkerProperties.class).models().get("m").device()).isEqualTo("auto"));
	}

	@Test
	void rejectsAnUnknownWorkerDevice() {
		this.runner.withPropertyValues("kiln.worker.device=tpu")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("device")
				.hasMessageContaining("must be auto, cpu or gpu"));
	}

	@Test
	void bindsStableDiffusionModelsFromS3() {
		this.runner
			.withPropertyValues("kiln.worker.models.sd.type=sd-torchscript",
					"kiln.worker.models.sd.location=s3://kiln-models/sd15", "kiln.worker.models.sd.scheduler=ddim")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				WorkerProperties.Model sd = context.getBean(WorkerProperties.class).models().get("sd");
				assertThat(sd.type()).isEqualTo(WorkerProperties.ModelType.SD_TORCHSCRIPT);
				assertThat(sd.type().wireName()).isEqualTo("sd-torchscript");
			});
	}

	@Test
	void bindsANoopModel() {
		this.runner.withPropertyValues("kiln.worker.models.zero.type=noop", "kiln.worker.models.zero.location=none")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				WorkerProperties.Model zero = context.getBean(WorkerProperties.class).models().get("zero");
				assertThat(zero.type()).isEqualTo(WorkerProperties.ModelType.NOOP);
				assertThat(zero.type().wireName()).isEqualTo("noop");
			});
	}

	@Test
	void rejectsAVisibilityTimeoutAboveTwelveHours() {
		this.runner.withPropertyValues("kiln.worker.visibility-timeout=13h")
			.run((context) -> assertThat(context).getFailure().rootCause().hasMessageContaining("visibility-timeout"));
	}

	@Test
	void rejectsALeaseThatWouldExpireBetweenHeartbeats() {
		this.runner.withPropertyValues("kiln.worker.heartbeat-interval=10s", "kiln.worker.lease-ttl=5s")
			.run((context) -> assertThat(context).getFailure().rootCause().hasMessageContaining("lease-ttl"));
	}

	@Test
	void rejectsAnUnknownScheduler() {
		this.runner.withPropertyValues("kiln.worker.models.m.scheduler=lms")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("scheduler")
				.hasMessageContaining("pndm, ddim, euler-ancestral, euler, dpm++2m, dpm++2m-karras or lcm"));
	}

	@Test
	void acceptsEverySchedulerKilnRenders() {
		for (String scheduler : List.of("pndm", "ddim", "euler-ancestral", "euler", "dpm++2m", "dpm++2m-karras", "lcm")) {
			this.runner
				.withPropertyValues("kiln.worker.models.sd.type=sd-torchscript",
						"kiln.worker.models.sd.location=file:/tmp/models/sd", "kiln.worker.models.sd.scheduler=" + scheduler)
				.run((context) -> {
					assertThat(context).as(scheduler).hasNotFailed();
					assertThat(context.getBean(WorkerProperties.class).models().get("sd").scheduler())
						.isEqualTo(scheduler);
				});
		}
	}

	@Test
	void rejectsAnUnsupportedLocation() {
		this.runner.withPropertyValues("kiln.worker.models.m.location=https://example.com/m")
			.run((context) -> assertThat(context).getFailure().rootCause().hasMessageContaining("location"));
	}

	@Test
	void startUpFailuresNameTheFullPropertyPath() {
		// "Property: <object name>.<field>" is how Boot's BindValidationFailureAnalyzer reports each error at start-up
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
			.withUserConfiguration(Config.class)
			.withPropertyValues("kiln.worker.model-cache=/tmp/models", "kiln.worker.heartbeat-interval=10s",
					"kiln.worker.lease-ttl=5s")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOfSatisfying(BindValidationException.class,
						(ex) -> assertThat(ex.getValidationErrors().getAllErrors()).map((error) -> {
							FieldError field = (FieldError) error;
							return field.getObjectName() + "." + field.getField() + ": " + field.getDefaultMessage();
						})
							.containsExactlyInAnyOrder("kiln.worker.models: must name at least one model",
									"kiln.worker.leaseTtlValid: lease-ttl must be more than heartbeat-interval")));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(WorkerProperties.class)
	static class Config {

	}

}
