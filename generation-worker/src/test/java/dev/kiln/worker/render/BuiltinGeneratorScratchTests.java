package dev.kiln.worker.render;

import java.nio.file.Files;
import java.nio.file.Path;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

class BuiltinGeneratorScratchTests {

	@Test
	void scratch() throws Exception {
		Path dir = Path.of("/tmp/kiln-scratch-model");
		BuiltinGenerator.materialize(dir);
		System.out.println("FILES " + Files.list(dir).toList());
		try (BuiltinGenerator g = BuiltinGenerator.load(dir, "kiln-builtin", Device.cpu())) {
			System.out.println("DEVICE " + g.device());
			String[] prompts = { "a lighthouse at dusk, oil painting", "neon city skyline at night", "a red fox in the snow" };
			for (int p = 0; p < prompts.length; p++) {
				for (long seed = 1; seed <= 2; seed++) {
					RenderedImages r = g.render(new RenderRequest(prompts[p], null, 256, 256, 20, 7.5, seed, 1), StepListener.NONE);
					Files.write(Path.of("/tmp/kiln-p" + p + "-s" + seed + ".png"), r.pngs().get(0));
				}
			}
			for (int steps : new int[] { 1, 4, 20 }) {
				RenderedImages r = g.render(new RenderRequest(prompts[0], null, 256, 256, steps, 7.5, 1, 1), StepListener.NONE);
				Files.write(Path.of("/tmp/kiln-steps" + steps + ".png"), r.pngs().get(0));
			}
			for (double gs : new double[] { 0, 1, 15, 30 }) {
				RenderedImages r = g.render(new RenderRequest(prompts[0], "blurry", 256, 256, 20, gs, 1, 1), StepListener.NONE);
				Files.write(Path.of("/tmp/kiln-g" + (int) gs + ".png"), r.pngs().get(0));
			}
			for (int i = 0; i < 5; i++) g.render(new RenderRequest("warm", null, 64, 64, 4, 7.5, i, 1), StepListener.NONE);
			long t0 = System.nanoTime();
			for (int i = 0; i < 20; i++) g.render(new RenderRequest("warm", null, 64, 64, 4, 7.5, i, 1), StepListener.NONE);
			System.out.println("TIME 64x64x4 ms " + (System.nanoTime() - t0) / 20 / 1e6);
			g.render(new RenderRequest("warm", null, 512, 512, 20, 7.5, 1, 1), StepListener.NONE);
			t0 = System.nanoTime();
			RenderedImages r = g.render(new RenderRequest("a lighthouse at dusk, oil painting", null, 512, 512, 20, 7.5, 3, 1), StepListener.NONE);
			System.out.println("TIME 512x512x20 ms " + (System.nanoTime() - t0) / 1e6 + " reported " + r.renderTime());
			Files.write(Path.of("/tmp/kiln-512.png"), r.pngs().get(0));
			t0 = System.nanoTime();
			r = g.render(new RenderRequest("a lighthouse at dusk, oil painting", null, 512, 512, 20, 7.5, 3, 4), StepListener.NONE);
			System.out.println("TIME 512x512x20 x4 ms " + (System.nanoTime() - t0) / 1e6);
			t0 = System.nanoTime();
			r = g.render(new RenderRequest("a lighthouse at dusk, oil painting", null, 1024, 1024, 20, 7.5, 3, 1), StepListener.NONE);
			System.out.println("TIME 1024x1024x20 ms " + (System.nanoTime() - t0) / 1e6);
		}
	}

}
