package dev.kiln.worker.render.sd;

import java.awt.image.BufferedImage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;


import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.kiln.worker.render.RenderCancelledException;
import dev.kiln.worker.render.RenderCheckpoint;
import dev.kiln.worker.render.RenderMonitor;
import dev.kiln.worker.render.RenderRequest;
import dev.kiln.worker.render.RenderedImageAssertions;
import dev.kiln.worker.render.RenderedImages;
import dev.kiln.worker.render.StepListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The whole pipeline with tiny stand-in blocks that honour the TorchScript modules' tensor contracts and check every
 * tensor they are handed, and the real CLIP tokenizer code on a small fixture vocabulary.
 */
class StableDiffusionGeneratorTests {

	private static final int EMBEDDING = 768;

	private static ClipTokenizer tokenizer;

	@BeforeAll
	static void loadTokenizer() throws IOException {
		tokenizer = ClipTokenizer.load(ClipTokenizerTests.fixture());
	}

	@AfterAll
	static void closeTokenizer() {
		tokenizer.close();
	}

	@Test
	void aPromptOfMoreThan75TokensIsEncodedInChunksNotCut() {
		// "a lighthouse at dusk" is 4 tokens of the fixture vocabulary (ids 3, 4, 5, 6): 25 times is 100 tokens
		String prompt = "a lighthouse at dusk ".repeat(25).strip();
		assertThat(tokenizer.tokens(prompt)).hasSize(100);
		StandIns standIns = new StandIns();
		byte[] long100;
		try (StableDiffusionGenerator generator = standIns.generator(SchedulerType.DDIM)) {
			long100 = generator.render(new RenderRequest(prompt, "blurry", 64, 64, 2, 7.5, 42, 1), StepListener.NONE)
				.pngs()
				.get(0);
		}
		// 2 chunks of the prompt, then the negative prompt padded to 2 chunks: 4 encodings of (1, 77)
		assertThat(standIns.encoded).hasSize(4).containsOnly("ids int64 (1, 77) -> float32 (1, 77, 768)");
		long[] second = standIns.firstIds.get(1);
		assertThat(second[0]).as("begin-of-text").isEqualTo(0);
		// tokens 76..100 continue the cycle 3, 4, 5, 6 where the first chunk left it: token 76 is the 19th "dusk"
		assertThat(second).startsWith(0, 6, 3, 4, 5);
		assertThat(second[26]).as("end-of-text after the 25 remaining tokens").isEqualTo(1);
		long[] negativePadding = standIns.firstIds.get(3);
		assertThat(negativePadding).as("the negative prompt's empty second chunk").startsWith(0, 1, 1);
		assertThat(standIns.unetCalls).hasSize(2)
			.containsOnly("latents float32 (2, 4, 8, 8), timestep int64 (), embeddings float32 (2, 154, 768)"
					+ " -> float32 (2, 4, 8, 8)");

		// the same prompt cut to its first 75 tokens: one chunk, and another picture
		String cut = "a lighthouse at dusk ".repeat(18) + "a lighthouse at";
		assertThat(tokenizer.tokens(cut)).containsExactly(java.util.Arrays.copyOf(tokenizer.tokens(prompt), 75));
		StandIns cutStandIns = new StandIns();
		byte[] first75;
		try (StableDiffusionGenerator generator = cutStandIns.generator(SchedulerType.DDIM)) {
			first75 = generator.render(new RenderRequest(cut, "blurry", 64, 64, 2, 7.5, 42, 1), StepListener.NONE)
				.pngs()
				.get(0);
		}
		assertThat(cutStandIns.unetCalls).allMatch((call) -> call.contains("embeddings float32 (2, 77, 768)"));
		assertThat(first75).as("the last 25 tokens change the conditioning").isNotEqualTo(long100);
	}

	@Test
	void promptsOfABatchTakeTheSameNumberOfChunks() {
		StandIns standIns = new StandIns();
		try (StableDiffusionGenerator generator = standIns.generator(SchedulerType.DDIM)) {
			List<RenderedImages> images = generator.render(List.of(
					new RenderRequest("a lighthouse at dusk ".repeat(40).strip(), null, 64, 64, 1, 7.5, 1, 1),
					new RenderRequest("a lighthouse", null, 64, 64, 1, 1.0, 2, 1)),
					java.util.Arrays.asList(null, null), RenderMonitor.of(StepListener.NONE));
			assertThat(images).hasSize(2);
		}
		// 160 tokens: 3 chunks for every text (the long prompt, "", "a lighthouse"); rows 2 + 1 guided
		assertThat(standIns.encoded).hasSize(9);
		assertThat(standIns.unetCalls).containsOnly("latents float32 (3, 4, 8, 8), timestep int64 (), embeddings"
				+ " float32 (3, 231, 768) -> float32 (3, 4, 8, 8)");
	}

	@Test
	void rendersPngsOfTheRequestedSizeWithContractShapesAtEveryHop() {
		StandIns standIns = new StandIns();
		List<Integer> steps = new ArrayList<>();
		try (StableDiffusionGenerator generator = standIns.generator(SchedulerType.DDIM)) {
			RenderedImages images = generator.render(
					new RenderRequest("a lighthouse at dusk", "blurry", 192, 128, 4, 7.5, 42, 2),
					(step, total) -> steps.add(step * 100 + total));
			assertThat(images.pngs()).hasSize(2);
			for (byte[] png : images.pngs()) {
				BufferedImage image = decode(png);
				assertThat(image.getWidth()).isEqualTo(192);
				assertThat(image.getHeight()).isEqualTo(128);
			}
			assertThat(images.device()).isEqualTo(Device.cpu().toString());
		}
		assertThat(steps).containsExactly(104, 204, 304, 404);
		assertThat(standIns.encoded).containsExactly("ids int64 (1, 77) -> float32 (1, 77, 768)",
				"ids int64 (1, 77) -> float32 (1, 77, 768)");
		assertThat(standIns.unetCalls).hasSize(4)
			.containsOnly("latents float32 (4, 4, 16, 24), timestep int64 (), embeddings float32 (4, 77, 768)"
					+ " -> float32 (4, 4, 16, 24)");
		assertThat(standIns.timesteps).containsExactly(751L, 501L, 251L, 1L);
		assertThat(standIns.decoded).containsExactly("latents float32 (2, 4, 16, 24) -> float32 (2, 3, 128, 192)");
		assertThat(standIns.firstIds.get(0)).startsWith(0, 3, 4, 5, 6, 1, 1);
		assertThat(standIns.firstIds.get(1)).startsWith(0, 8, 1, 1);
	}

	@ParameterizedTest
	@EnumSource(SchedulerType.class)
	void everySchedulerFeedsItsTimestepsToTheUnetAndReportsEachRequestedStep(SchedulerType type) {
		StandIns standIns = new StandIns();
		List<String> reported = new ArrayList<>();
		try (StableDiffusionGenerator generator = standIns.generator(type)) {
			RenderedImages images = generator.render(new RenderRequest("dusk", null, 64, 64, 5, 7.5, 1, 1),
					(step, total) -> reported.add(step + "/" + total + " after " + standIns.timesteps.size()));
			assertThat(images.pngs()).hasSize(1);
		}
		long[] expected = switch (type) {
			case PNDM -> new long[] { 801, 601, 601, 401, 201, 1 };
			case DDIM, EULER_ANCESTRAL, EULER -> new long[] { 801, 601, 401, 201, 1 };
			// DPMSolverMultistepScheduler's "leading": arange(6) * (1000 // 6) reversed without its last, + 1
			case DPM_PP_2M -> new long[] { 831, 665, 499, 333, 167 };
			// Karras σs between σ(999) and σ(0), back to timesteps by log-σ interpolation, rounded (numpy, diffusers'
			// _convert_to_karras and _sigma_to_t written out)
			case DPM_PP_2M_KARRAS -> new long[] { 999, 786, 427, 59, 0 };
			// LCMScheduler: (1..50)·20 − 1 reversed, at floor(linspace(0, 50, 5, endpoint=False)) = 0, 10, 20, 30, 40
			case LCM -> new long[] { 999, 799, 599, 399, 199 };
		};
		assertThat(standIns.timesteps).containsExactly(box(expected));
		int extra = expected.length - 5;
		assertThat(reported).containsExactly("1/5 after " + (1 + extra), "2/5 after " + (2 + extra),
				"3/5 after " + (3 + extra), "4/5 after " + (4 + extra), "5/5 after " + (5 + extra));
	}

	@ParameterizedTest
	@EnumSource(SchedulerType.class)
	void imageIOfABatchIsTheImageOfSeedPlusI(SchedulerType type) {
		try (StableDiffusionGenerator generator = new StandIns().generator(type)) {
			RenderedImages batch = generator.render(request("a lighthouse", 10, 3), StepListener.NONE);
			RenderedImages single = generator.render(request("a lighthouse", 11, 1), StepListener.NONE);
			RenderedImages again = generator.render(request("a lighthouse", 10, 3), StepListener.NONE);
			// a batch of 3 and a batch of 1 are different computations: the same image within rounding
			RenderedImageAssertions.assertSameRender("image 1 of 3 vs seed + 1 alone", batch.pngs().get(1),
					single.pngs().get(0));
			// the same request in the same shape is the same computation: the same bytes
			assertThat(again.pngs()).usingElementComparator(java.util.Arrays::compare).isEqualTo(batch.pngs());
			assertThat(batch.pngs().get(0)).isNotEqualTo(batch.pngs().get(1));
		}
	}

	@ParameterizedTest
	@EnumSource(SchedulerType.class)
	void requestsRenderedTogetherComeOutAsTheyWouldAlone(SchedulerType type) {
		StandIns standIns = new StandIns();
		RenderRequest lighthouse = new RenderRequest("a lighthouse at dusk", "blurry", 64, 128, 3, 7.5, 100, 2);
		RenderRequest painting = new RenderRequest("oil painting", null, 64, 128, 3, 3.0, 7, 1);
		List<Integer> steps = new ArrayList<>();
		try (StableDiffusionGenerator generator = standIns.generator(type)) {
			assertThat(generator.batches()).isTrue();
			assertThat(generator.resumable()).isTrue();
			List<RenderedImages> together = generator.render(List.of(lighthouse, painting),
					java.util.Arrays.asList(null, null), RenderMonitor.of((step, total) -> steps.add(step)));
			assertThat(standIns.unetCalls.get(0)).startsWith("latents float32 (6, 4, 16, 8), timestep int64 (),"
					+ " embeddings float32 (6, 77, 768)");
			RenderedImages alone = generator.render(lighthouse, StepListener.NONE);
			RenderedImages aloneToo = generator.render(painting, StepListener.NONE);
			assertThat(together).hasSize(2);
			// one UNet batch of 6 vs batches of 4 and 2: the same images within rounding, not the same bytes
			RenderedImageAssertions.assertSameRenders("lighthouse with the painting vs alone", together.get(0).pngs(),
					alone.pngs());
			RenderedImageAssertions.assertSameRenders("painting with the lighthouse vs alone", together.get(1).pngs(),
					aloneToo.pngs());
		}
		assertThat(steps).containsExactly(1, 2, 3);
	}

	@ParameterizedTest
	@EnumSource(SchedulerType.class)
	void guidanceOfOneOrLessRunsTheConditionalPassOnlyHalvingTheUnetWork(SchedulerType type) {
		StandIns guided = new StandIns();
		StandIns unguided = new StandIns();
		StandIns zero = new StandIns();
		StandIns mixed = new StandIns();
		RenderRequest at7 = new RenderRequest("a lighthouse", "fog", 64, 64, 4, 7.5, 5, 2);
		RenderRequest at1 = new RenderRequest("a lighthouse", "fog", 64, 64, 4, 1.0, 5, 2);
		RenderRequest at0 = new RenderRequest("a lighthouse", "fog", 64, 64, 4, 0.0, 5, 2);
		RenderedImages one;
		RenderedImages none;
		List<RenderedImages> together;
		try (StableDiffusionGenerator generator = guided.generator(type)) {
			generator.render(at7, StepListener.NONE);
		}
		try (StableDiffusionGenerator generator = unguided.generator(type)) {
			one = generator.render(at1, StepListener.NONE);
		}
		try (StableDiffusionGenerator generator = zero.generator(type)) {
			none = generator.render(at0, StepListener.NONE);
		}
		try (StableDiffusionGenerator generator = mixed.generator(type)) {
			together = generator.render(List.of(at7, at1), java.util.Arrays.asList(null, null),
					RenderMonitor.of(StepListener.NONE));
		}
		long guidedRows = guided.unetRows.stream().mapToLong(Long::longValue).sum();
		long unguidedRows = unguided.unetRows.stream().mapToLong(Long::longValue).sum();
		// the same number of UNet calls, each over half the rows: 2 images × 2 passes vs 2 images × 1 pass
		assertThat(unguided.unetRows).hasSameSizeAs(guided.unetRows).containsOnly(2L);
		assertThat(guided.unetRows).containsOnly(4L);
		assertThat(unguidedRows * 2).isEqualTo(guidedRows);
		// batched with a guided request, the unguided one adds only its conditional rows: 2 × 2 + 2
		assertThat(mixed.unetRows).containsOnly(6L);
		// diffusers: guidance 0 is no guidance, not "the negative prompt only": the same as 1
		for (int i = 0; i < 2; i++) {
			RenderedImageAssertions.assertSameRender("guidance 0 vs 1, image " + i, none.pngs().get(i),
					one.pngs().get(i));
			RenderedImageAssertions.assertSameRender("unguided alone vs batched with a guided request, image " + i,
					together.get(1).pngs().get(i), one.pngs().get(i));
		}
	}

	@ParameterizedTest
	@EnumSource(value = SchedulerType.class, names = { "DDIM", "EULER_ANCESTRAL", "EULER", "DPM_PP_2M" })
	void aTrailingModelSuchAsSdTurboRendersOneStepFromTheNoisiestTimestep(SchedulerType type) {
		StandIns standIns = new StandIns();
		NoiseSchedule trailing = NoiseSchedule.STABLE_DIFFUSION.withSpacing(NoiseSchedule.Spacing.TRAILING, 1);
		try (StableDiffusionGenerator generator = new StableDiffusionGenerator("sd-turbo", Device.cpu(), tokenizer,
				standIns::encode, standIns::predict, standIns::decode, type, PredictionType.EPSILON,
				StableDiffusionGenerator.VAE_SCALING, StableDiffusionGenerator.LATENT_CHANNELS, null, trailing,
				LatentPreview.SD1, List.of())) {
			generator.render(new RenderRequest("a lighthouse", null, 64, 64, 1, 0.0, 3, 1), StepListener.NONE);
			generator.render(new RenderRequest("a lighthouse", null, 64, 64, 4, 0.0, 3, 1), StepListener.NONE);
		}
		// diffusers' "trailing": round(arange(1000, 0, -1000 / n)) - 1; guidance 0 (SD-Turbo's): one row per call
		assertThat(standIns.timesteps).containsExactly(999L, 999L, 749L, 499L, 249L);
		assertThat(standIns.unetRows).containsOnly(1L);
	}

	@Test
	void requestsOfDifferentShapesAreRefused() {
		try (StableDiffusionGenerator generator = new StandIns().generator(SchedulerType.DDIM)) {
			RenderRequest small = request("x", 1, 1);
			RenderRequest longer = new RenderRequest("x", null, 64, 64, 4, 7.5, 1, 1);
			assertThatIllegalArgumentException()
				.isThrownBy(() -> generator.render(List.of(small, longer), java.util.Arrays.asList(null, null),
						RenderMonitor.of(StepListener.NONE)))
				.withMessageContaining("must share width, height and steps");
		}
	}

	@ParameterizedTest
	@EnumSource(value = SchedulerType.class, names = "LCM", mode = EnumSource.Mode.EXCLUDE)
	void aJobsSchedulerRendersAsAModelWhoseDefaultItIs(SchedulerType type) {
		StandIns chosen = new StandIns();
		StandIns byDefault = new StandIns();
		RenderRequest request = new RenderRequest("dusk", "blurry", 64, 64, 4, 7.5, 3, 2, type.configName());
		RenderRequest plain = new RenderRequest("dusk", "blurry", 64, 64, 4, 7.5, 3, 2);
		try (StableDiffusionGenerator pndmModel = chosen.generator(SchedulerType.PNDM);
				StableDiffusionGenerator typeModel = byDefault.generator(type)) {
			assertThat(pndmModel.schedulers()).contains(type.configName()).doesNotContain("lcm");
			RenderedImages asked = pndmModel.render(request, StepListener.NONE);
			RenderedImages asDefault = typeModel.render(plain, StepListener.NONE);
			// the same computation (same shapes, same sampler): the same bytes and the same timesteps fed to the UNet
			assertThat(chosen.timesteps).isEqualTo(byDefault.timesteps);
			assertThat(asked.pngs()).usingElementComparator(java.util.Arrays::compare).isEqualTo(asDefault.pngs());
		}
	}

	@Test
	void aRequestWithoutASchedulerRendersWithTheModelsDefault() {
		StandIns standIns = new StandIns();
		try (StableDiffusionGenerator generator = standIns.generator(SchedulerType.PNDM)) {
			generator.render(new RenderRequest("x", null, 64, 64, 5, 7.5, 1, 1), StepListener.NONE);
			// PNDM's 5 steps are 6 evaluations (see everySchedulerFeedsItsTimesteps...)
			assertThat(standIns.timesteps).containsExactly(801L, 601L, 601L, 401L, 201L, 1L);
			standIns.timesteps.clear();
			generator.render(new RenderRequest("x", null, 64, 64, 5, 7.5, 1, 1, "ddim"), StepListener.NONE);
			assertThat(standIns.timesteps).containsExactly(801L, 601L, 401L, 201L, 1L);
		}
	}

	@Test
	void schedulersAModelDoesNotOfferOrMixedInOnePassAreRefused() {
		try (StableDiffusionGenerator generator = new StandIns().generator(SchedulerType.DDIM)) {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> generator.render(new RenderRequest("x", null, 64, 64, 3, 7.5, 1, 1, "lcm"),
						StepListener.NONE))
				.withMessageContaining("does not render with scheduler 'lcm'");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> generator.render(new RenderRequest("x", null, 64, 64, 3, 7.5, 1, 1, "lms"),
						StepListener.NONE))
				.withMessageContaining("Unknown scheduler 'lms'");
			RenderRequest euler = new RenderRequest("x", null, 64, 64, 3, 7.5, 1, 1, "euler");
			RenderRequest dpm = new RenderRequest("x", null, 64, 64, 3, 7.5, 1, 1, "dpm++2m");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> generator.render(List.of(euler, dpm), java.util.Arrays.asList(null, null),
						RenderMonitor.of(StepListener.NONE)))
				.withMessageContaining("must share the scheduler");
		}
		try (StableDiffusionGenerator lcmModel = new StandIns().generator(SchedulerType.LCM)) {
			assertThat(lcmModel.schedulers()).contains("lcm", "euler");
		}
	}

	@ParameterizedTest
	@EnumSource(SchedulerType.class)
	void aResumedRenderGivesTheBytesOfAnUninterruptedOne(SchedulerType type) {
		StandIns standIns = new StandIns();
		RenderRequest request = new RenderRequest("a lighthouse at dusk", "blurry", 64, 64, 6, 7.5, 9, 2);
		try (StableDiffusionGenerator generator = standIns.generator(type)) {
			List<byte[]> whole = generator.render(request, StepListener.NONE).pngs();
			List<RenderCheckpoint> saved = new ArrayList<>();
			RenderMonitor drained = new RenderMonitor() {

				@Override
				public boolean wantsCheckpoint(int step, int totalSteps) {
					return step == 3;
				}

				@Override
				public void onCheckpoint(int index, RenderCheckpoint checkpoint) {
					saved.add(checkpoint);
				}

				@Override
				public void onStep(int step, int totalSteps) {
					if (step == 3) {
						throw new RenderCancelledException("draining");
					}
				}

			};
			assertThatThrownBy(() -> generator.render(List.of(request), java.util.Arrays.asList((RenderCheckpoint) null),
					drained))
				.isInstanceOf(RenderCancelledException.class);
			assertThat(saved).hasSize(1);
			RenderCheckpoint checkpoint = saved.get(0);
			assertThat(checkpoint.step()).isEqualTo(3);
			assertThat(checkpoint.totalSteps()).isEqualTo(6);
			int kept = switch (type) {
				case PNDM -> 3;
				// the previous step's x̂₀
				case DPM_PP_2M, DPM_PP_2M_KARRAS -> 1;
				case DDIM, EULER, EULER_ANCESTRAL, LCM -> 0;
			};
			assertThat(checkpoint.state()).hasSize((1 + kept) * 2 * 4 * 8 * 8);
			RenderCheckpoint stored = RenderCheckpoint.fromBytes(checkpoint.toBytes());
			standIns.timesteps.clear();
			List<Integer> steps = new ArrayList<>();
			List<RenderedImages> resumed = generator.render(List.of(request), List.of(stored),
					RenderMonitor.of((step, total) -> steps.add(step)));
			assertThat(steps).containsExactly(4, 5, 6);
			assertThat(standIns.timesteps).hasSize(3);
			// exact: the same steps on the same batch shape, resumed from the very floats the checkpoint saved
			assertThat(resumed.get(0).pngs()).usingElementComparator(java.util.Arrays::compare).isEqualTo(whole);
		}
	}

	@ParameterizedTest
	@EnumSource(SchedulerType.class)
	void eachRequestOfABatchGetsItsOwnCheckpoint(SchedulerType type) {
		RenderRequest lighthouse = new RenderRequest("a lighthouse", null, 64, 64, 5, 7.5, 1, 2);
		RenderRequest painting = new RenderRequest("oil painting", "blurry", 64, 64, 5, 4.0, 50, 1);
		try (StableDiffusionGenerator generator = new StandIns().generator(type)) {
			RenderCheckpoint[] saved = new RenderCheckpoint[2];
			generator.render(List.of(lighthouse, painting), java.util.Arrays.asList(null, null), new RenderMonitor() {

				@Override
				public boolean wantsCheckpoint(int step, int totalSteps) {
					return step == 2;
				}

				@Override
				public void onCheckpoint(int index, RenderCheckpoint checkpoint) {
					saved[index] = checkpoint;
				}

				@Override
				public void onStep(int step, int totalSteps) {
				}

			});
			List<byte[]> alone = generator.render(painting, StepListener.NONE).pngs();
			List<byte[]> resumed = generator
				.render(List.of(painting), List.of(saved[1]), RenderMonitor.of(StepListener.NONE))
				.get(0)
				.pngs();
			// its first two steps ran in a batch with the lighthouse, the alone render's did not: within rounding
			RenderedImageAssertions.assertSameRenders("painting resumed from its batch's checkpoint vs alone", resumed,
					alone);
			assertThat(saved[0].state()).hasSize(2 * saved[1].state().length);
		}
	}

	@ParameterizedTest
	@EnumSource(SchedulerType.class)
	void drawsAPreviewOfEachRequestOfABatchEveryNSteps(SchedulerType type) {
		RenderRequest lighthouse = new RenderRequest("a lighthouse at dusk", "blurry", 128, 64, 5, 7.5, 100, 2);
		RenderRequest painting = new RenderRequest("oil painting", null, 128, 64, 5, 1.0, 7, 1);
		List<String> heard = new ArrayList<>();
		List<byte[]> previews = new ArrayList<>();
		try (StableDiffusionGenerator generator = new StandIns().generator(type)) {
			generator.render(List.of(lighthouse, painting), java.util.Arrays.asList(null, null), new RenderMonitor() {
				@Override
				public boolean wantsPreview(int step, int totalSteps) {
					heard.add("asked " + step);
					return step % 2 == 0;
				}

				@Override
				public void onPreview(int request, int step, byte[] png) {
					BufferedImage image = decode(png);
					heard.add("preview " + request + "@" + step + " " + image.getWidth() + "x" + image.getHeight());
					previews.add(png);
				}

				@Override
				public void onStep(int step, int totalSteps) {
					heard.add("step " + step);
				}
			});
			// a quarter of the image's side (the latent grid, nearest ×2); none after the last step
			assertThat(heard).containsExactly("asked 1", "step 1", "asked 2", "preview 0@2 32x16",
					"preview 1@2 32x16", "step 2", "asked 3", "step 3", "asked 4", "preview 0@4 32x16",
					"preview 1@4 32x16", "step 4", "step 5");
			// each request's preview is of its own (first) image: as when it renders alone, within rounding
			List<byte[]> alone = new ArrayList<>();
			generator.render(List.of(painting), java.util.Arrays.asList((RenderCheckpoint) null), new RenderMonitor() {
				@Override
				public boolean wantsPreview(int step, int totalSteps) {
					return step == 2;
				}

				@Override
				public void onPreview(int request, int step, byte[] png) {
					alone.add(png);
				}

				@Override
				public void onStep(int step, int totalSteps) {
				}
			});
			assertThat(alone).hasSize(1);
			RenderedImageAssertions.assertSameRender("painting's preview in a batch vs alone", previews.get(1),
					alone.get(0));
			assertThat(previews.get(0)).isNotEqualTo(previews.get(1));
		}
	}

	@ParameterizedTest
	@EnumSource(names = { "PNDM", "DDIM", "EULER", "EULER_ANCESTRAL", "DPM_PP_2M", "LCM" })
	void previewsShowThePredictedCleanLatentsNotTheNoise(SchedulerType type) {
		assertPreviewsOfKnownCleanLatents(type, PredictionType.EPSILON);
	}

	@ParameterizedTest
	@EnumSource(names = { "DDIM", "EULER", "DPM_PP_2M" })
	void previewsOfAVelocityModelShowThePredictedCleanLatents(SchedulerType type) {
		assertPreviewsOfKnownCleanLatents(type, PredictionType.V_PREDICTION);
	}

	private static void assertPreviewsOfKnownCleanLatents(SchedulerType type, PredictionType prediction) {
		// a UNet that knows the clean latents x₀ (1 in channel 0, 0 elsewhere): ε̂ = (x − √ᾱ·x₀) / √(1 − ᾱ) at its
		// timestep; x̂₀ is then x₀ at every step, whatever the seed, and every preview is SD1's row 0 (172, 157, 169,
		// see LatentPreviewTests), while the noisy latents themselves are anything but flat
		StandIns standIns = new StandIns();
		UNet oracle = (latents, timestep, embeddings) -> {
			double alphaCumprod = NoiseSchedule.STABLE_DIFFUSION.alphaCumprod((int) timestep.getLong());
			Shape shape = latents.getShape();
			float[] clean = new float[(int) shape.size()];
			int plane = (int) (shape.get(2) * shape.get(3));
			for (int n = 0; n < shape.get(0); n++) {
				java.util.Arrays.fill(clean, n * 4 * plane, n * 4 * plane + plane, 1f);
			}
			NDArray x0 = latents.getManager().create(clean, shape);
			float signal = (float) Math.sqrt(alphaCumprod);
			float noise = (float) Math.sqrt(1 - alphaCumprod);
			NDArray epsilon = latents.sub(x0.mul(signal)).div(noise);
			// v = √ᾱ·ε − √(1 − ᾱ)·x₀
			return (prediction == PredictionType.EPSILON) ? epsilon : epsilon.mul(signal).sub(x0.mul(noise));
		};
		List<byte[]> previews = new ArrayList<>();
		try (StableDiffusionGenerator generator = new StableDiffusionGenerator("sd-test", Device.cpu(), tokenizer,
				standIns::encode, oracle, standIns::decode, type, prediction,
				StableDiffusionGenerator.VAE_SCALING, StableDiffusionGenerator.LATENT_CHANNELS, null,
				NoiseSchedule.STABLE_DIFFUSION, LatentPreview.SD1, List.of())) {
			for (long seed : new long[] { 1, 2 }) {
				generator.render(List.of(new RenderRequest("a lighthouse", null, 64, 64, 4, 7.5, seed, 1)),
						java.util.Arrays.asList((RenderCheckpoint) null), new RenderMonitor() {
							@Override
							public boolean wantsPreview(int step, int totalSteps) {
								return true;
							}

							@Override
							public void onPreview(int request, int step, byte[] png) {
								previews.add(png);
							}

							@Override
							public void onStep(int step, int totalSteps) {
							}
						});
			}
		}
		assertThat(previews).hasSize(6);
		int row0 = (172 << 16) | (157 << 8) | 169;
		for (byte[] png : previews) {
			BufferedImage image = decode(png);
			for (int y = 0; y < image.getHeight(); y++) {
				for (int x = 0; x < image.getWidth(); x++) {
					int rgb = image.getRGB(x, y) & 0xFFFFFF;
					// float rounding of x̂₀ may move a channel by one level
					for (int shift : new int[] { 16, 8, 0 }) {
						assertThat(Math.abs(((rgb >> shift) & 0xFF) - ((row0 >> shift) & 0xFF)))
							.as("pixel (%d, %d) of a preview: %06x", x, y, rgb)
							.isLessThanOrEqualTo(1);
					}
				}
			}
		}
	}

	@Test
	void aModelWithoutAPreviewMatrixIsNeverAskedForPreviews() {
		StandIns standIns = new StandIns();
		List<Integer> asked = new ArrayList<>();
		try (StableDiffusionGenerator generator = new StableDiffusionGenerator("sd-test", Device.cpu(), tokenizer,
				standIns::encode, standIns::predict, standIns::decode, SchedulerType.DDIM, PredictionType.EPSILON,
				StableDiffusionGenerator.VAE_SCALING, StableDiffusionGenerator.LATENT_CHANNELS, null,
				NoiseSchedule.STABLE_DIFFUSION, null, List.of())) {
			generator.render(List.of(request("dusk", 1, 1)), java.util.Arrays.asList((RenderCheckpoint) null),
					new RenderMonitor() {
						@Override
						public boolean wantsPreview(int step, int totalSteps) {
							asked.add(step);
							return true;
						}

						@Override
						public void onStep(int step, int totalSteps) {
						}
					});
		}
		assertThat(asked).isEmpty();
	}

	@Test
	void checkpointsThatDoNotFitAreRefused() {
		try (StableDiffusionGenerator generator = new StandIns().generator(SchedulerType.DDIM)) {
			RenderRequest request = request("x", 1, 1);
			RenderMonitor none = RenderMonitor.of(StepListener.NONE);
			assertThatIllegalArgumentException()
				.isThrownBy(() -> generator.render(List.of(request), List.of(new RenderCheckpoint(1, 3, new float[5])),
						none))
				.withMessageContaining("Checkpoint does not belong to a render of this shape");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> generator.render(List.of(request),
						List.of(new RenderCheckpoint(1, 4, new float[4 * 8 * 8])), none))
				.withMessageContaining("does not fit a render of 3 steps");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> generator.render(List.of(request, request),
						java.util.Arrays.asList(new RenderCheckpoint(1, 3, new float[4 * 8 * 8]), null), none))
				.withMessageContaining("renders alone");
		}
	}

	@Test
	void promptAndGuidanceChangeTheImage() {
		try (StableDiffusionGenerator generator = new StandIns().generator(SchedulerType.DDIM)) {
			byte[] base = generator.render(request("a lighthouse", 5, 1), StepListener.NONE).pngs().get(0);
			byte[] otherPrompt = generator.render(request("oil painting", 5, 1), StepListener.NONE).pngs().get(0);
			byte[] noGuidance = generator
				.render(new RenderRequest("a lighthouse", null, 64, 64, 3, 1.0, 5, 1), StepListener.NONE)
				.pngs()
				.get(0);
			assertThat(otherPrompt).isNotEqualTo(base);
			assertThat(noGuidance).isNotEqualTo(base);
		}
	}

	@Test
	void missingNegativePromptIsEncodedAsTheEmptyString() {
		StandIns standIns = new StandIns();
		try (StableDiffusionGenerator generator = standIns.generator(SchedulerType.DDIM)) {
			generator.render(request("dusk", 1, 1), StepListener.NONE);
		}
		assertThat(standIns.firstIds.get(1)).containsExactly(tokenizer.ids(""));
	}

	@Test
	void listenerStopsTheRender() {
		StandIns standIns = new StandIns();
		try (StableDiffusionGenerator generator = standIns.generator(SchedulerType.EULER_ANCESTRAL)) {
			assertThatThrownBy(() -> generator.render(new RenderRequest("dusk", null, 64, 64, 10, 7.5, 1, 1),
					(step, total) -> {
						if (step == 2) {
							throw new RenderCancelledException("cancelled");
						}
					}))
				.isInstanceOf(RenderCancelledException.class);
			assertThat(standIns.timesteps).hasSize(2);
			assertThat(standIns.decoded).isEmpty();
			assertThat(generator.render(request("dusk", 1, 1), StepListener.NONE).pngs()).hasSize(1);
		}
	}

	@Test
	void unetBreakingTheContractFailsWithAClearMessage() {
		StandIns standIns = new StandIns();
		UNet wrong = (latents, timestep, embeddings) -> latents.get(":, 0:3");
		try (StableDiffusionGenerator generator = new StableDiffusionGenerator("sd-test", Device.cpu(), tokenizer,
				standIns::encode, wrong, standIns::decode, SchedulerType.DDIM, PredictionType.EPSILON, List.of())) {
			assertThatIllegalStateException().isThrownBy(() -> generator.render(request("dusk", 1, 1), StepListener.NONE))
				.withMessage("UNet output must be floating-point (2, 4, 8, 8) but was float32 (2, 3, 8, 8)");
		}
	}

	@Test
	void refusesRequestsOutsideTheModelsRange() {
		try (StableDiffusionGenerator generator = new StandIns().generator(SchedulerType.DDIM)) {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> generator.render(new RenderRequest("x", null, 520, 512, 3, 7.5, 1, 1),
						StepListener.NONE))
				.withMessage("width must be a multiple of 64 between 64 and 2048 for Stable Diffusion but was 520");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> generator.render(new RenderRequest("x", null, 64, 64, 0, 7.5, 1, 1),
						StepListener.NONE))
				.withMessageContaining("steps must be between 1 and 1000");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> generator.render(new RenderRequest("x", null, 64, 64, 3, 7.5, 1, 9),
						StepListener.NONE))
				.withMessageContaining("numImages must be between 1 and 8");
		}
	}

	@Test
	void closedGeneratorRefusesToRender() {
		StableDiffusionGenerator generator = new StandIns().generator(SchedulerType.DDIM);
		generator.close();
		generator.close();
		assertThatIllegalStateException().isThrownBy(() -> generator.render(request("x", 1, 1), StepListener.NONE))
			.withMessageContaining("is closed");
	}

	@Test
	void loadRefusesUnknownSchedulerBeforeTouchingFiles(@TempDir Path directory) {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> StableDiffusionGenerator.load(directory.resolve("absent"), "sd", Device.cpu(), "lms"))
			.withMessage("Unknown scheduler 'lms'; expected one of 'pndm', 'ddim', 'euler-ancestral', 'euler', 'dpm++2m',"
					+ " 'dpm++2m-karras', 'lcm'");
	}

	@Test
	void loadNamesTheMissingDirectoryOrFile(@TempDir Path directory) throws IOException {
		assertThatThrownBy(() -> StableDiffusionGenerator.load(directory.resolve("absent"), "sd", Device.cpu(), "ddim"))
			.isInstanceOf(FileNotFoundException.class)
			.hasMessageContaining("absent does not exist");
		Files.writeString(directory.resolve("text_encoder.pt"), "x");
		Files.writeString(directory.resolve("vae_decoder.pt"), "x");
		Files.copy(ClipTokenizerTests.fixture(), directory.resolve("tokenizer.json"));
		assertThatThrownBy(() -> StableDiffusionGenerator.load(directory, "sd", Device.cpu(), "ddim"))
			.isInstanceOf(FileNotFoundException.class)
			.hasMessage("Stable Diffusion model directory " + directory + " holds no unet.pt; it needs text_encoder.pt,"
					+ " unet.pt, vae_decoder.pt and tokenizer.json");
	}

	@Test
	void loadReportsAModuleThatIsNotTorchScript(@TempDir Path directory) throws IOException {
		for (String file : new String[] { "text_encoder.pt", "unet.pt", "vae_decoder.pt" }) {
			Files.writeString(directory.resolve(file), "not a TorchScript archive");
		}
		Files.copy(ClipTokenizerTests.fixture(), directory.resolve("tokenizer.json"));
		assertThatIOException().isThrownBy(() -> StableDiffusionGenerator.load(directory, "sd", Device.cpu(), "pndm"))
			.withMessageStartingWith("Could not load TorchScript module " + directory.resolve("text_encoder.pt"));
	}

	@Test
	void predictionTypeComesFromTheSchedulerConfiguration(@TempDir Path directory) throws IOException {
		Path config = directory.resolve("scheduler_config.json");
		assertThat(StableDiffusionGenerator.predictionType(config)).isEqualTo(PredictionType.EPSILON);
		Files.writeString(config, "{\"_class_name\": \"PNDMScheduler\", \"prediction_type\": \"v_prediction\"}");
		assertThat(StableDiffusionGenerator.predictionType(config)).isEqualTo(PredictionType.V_PREDICTION);
		Files.writeString(config, "{\"_class_name\": \"PNDMScheduler\"}");
		assertThat(StableDiffusionGenerator.predictionType(config)).isEqualTo(PredictionType.EPSILON);
		Files.writeString(config, "{\"prediction_type\": \"sample\"}");
		assertThatIOException().isThrownBy(() -> StableDiffusionGenerator.predictionType(config))
			.withMessageContaining("Unknown prediction type 'sample'");
	}

	private static RenderRequest request(String prompt, long seed, int images) {
		return new RenderRequest(prompt, null, 64, 64, 3, 7.5, seed, images);
	}

	private static Long[] box(long[] values) {
		Long[] boxed = new Long[values.length];
		for (int i = 0; i < values.length; i++) {
			boxed[i] = values[i];
		}
		return boxed;
	}

	private static BufferedImage decode(byte[] png) {
		return RenderedImageAssertions.decode(png);
	}

	private static String describe(NDArray array) {
		return array.getDataType().toString().toLowerCase(java.util.Locale.ROOT) + " " + array.getShape();
	}

	/**
	 * Stand-ins for the three TorchScript modules: tiny per-sample functions of their inputs with the modules'
	 * input and output contracts, recording what they were handed.
	 */
	private static final class StandIns {

		final List<String> encoded = new ArrayList<>();

		final List<long[]> firstIds = new ArrayList<>();

		final List<String> unetCalls = new ArrayList<>();

		final List<Long> timesteps = new ArrayList<>();

		final List<Long> unetRows = new ArrayList<>();

		final List<String> decoded = new ArrayList<>();

		StableDiffusionGenerator generator(SchedulerType type) {
			return new StableDiffusionGenerator("sd-test", Device.cpu(), tokenizer, this::encode, this::predict,
					this::decode, type, PredictionType.EPSILON, List.of());
		}

		NDArray encode(NDArray ids) {
			assertThat(ids.getDataType()).isEqualTo(DataType.INT64);
			assertThat(ids.getShape()).isEqualTo(new Shape(1, 77));
			this.firstIds.add(ids.toLongArray());
			NDArray embedding = ids.toType(DataType.FLOAT32, false)
				.div(10f)
				.expandDims(2)
				.repeat(2, EMBEDDING)
				.mul(ids.getManager().linspace(-1f, 1f, EMBEDDING));
			this.encoded.add("ids " + describe(ids) + " -> " + describe(embedding));
			return embedding;
		}

		NDArray predict(NDArray latents, NDArray timestep, NDArray embeddings) {
			Shape shape = latents.getShape();
			long batch = shape.get(0);
			this.unetRows.add(batch);
			assertThat(shape.dimension()).isEqualTo(4);
			assertThat(shape.get(1)).isEqualTo(4);
			assertThat(latents.getDataType()).isEqualTo(DataType.FLOAT32);
			assertThat(timestep.getDataType()).isEqualTo(DataType.INT64);
			assertThat(timestep.getShape()).isEqualTo(new Shape());
			assertThat(embeddings.getDataType()).isEqualTo(DataType.FLOAT32);
			assertThat(embeddings.getShape().get(0)).isEqualTo(batch);
			assertThat(embeddings.getShape().get(1) % 77).as("77-token chunks").isZero();
			assertThat(embeddings.getShape().get(2)).isEqualTo(EMBEDDING);
			this.timesteps.add(timestep.getLong());
			// per sample: a fraction of the latents plus a text-dependent offset (prompt and negative differ)
			NDArray text = embeddings.abs().reshape(batch, -1).mean(new int[] { 1 }).reshape(batch, 1, 1, 1);
			NDArray noise = latents.mul(0.3f).add(text);
			this.unetCalls.add("latents " + describe(latents) + ", timestep " + describe(timestep) + ", embeddings "
					+ describe(embeddings) + " -> " + describe(noise));
			return noise;
		}

		NDArray decode(NDArray latents) {
			Shape shape = latents.getShape();
			assertThat(shape.dimension()).isEqualTo(4);
			assertThat(shape.get(1)).isEqualTo(4);
			assertThat(latents.getDataType()).isEqualTo(DataType.FLOAT32);
			NDArray image = latents.get(":, 0:3").repeat(2, 8).repeat(3, 8).tanh();
			this.decoded.add("latents " + describe(latents) + " -> " + describe(image));
			return image;
		}

	}


}
