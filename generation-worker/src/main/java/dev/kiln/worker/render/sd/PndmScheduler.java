package dev.kiln.worker.render.sd;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.jspecify.annotations.Nullable;

/**
 * PNDM's linear multistep part (PLMS, Liu et al. 2022), as diffusers' {@code PNDMScheduler} with
 * {@code skip_prk_steps = true} for Stable Diffusion ("leading" timesteps, offset 1,
 * {@code set_alpha_to_one = false}). The timesteps are the leading ones with the second repeated
 * (981, 961, 961, 941, …, 1 for 50 steps; a single step has one timestep): the first two evaluations form a second-order (Heun-like) start from the
 * first timestep, then each step combines the last up to four noise predictions with the Adams–Bashforth weights
 * (1), (3, −1)/2, (23, −16, 5)/12, (55, −59, 37, −9)/24 and moves with PNDM's transfer
 * x_prev = √(ᾱ_prev/ᾱₜ)·x − (ᾱ_prev − ᾱₜ)·ε / (ᾱₜ·√(1−ᾱ_prev) + √(ᾱₜ(1−ᾱₜ)ᾱ_prev)).
 */
final class PndmScheduler implements Scheduler {

	private static final int HISTORY = 4;

	private final NoiseSchedule schedule;

	private final double[] timesteps;

	private final int stepRatio;

	private final PredictionType prediction;

	private final NDManager manager;

	/** Past noise predictions, newest last, at most {@link #HISTORY}. */
	private final Deque<NDArray> history = new ArrayDeque<>();

	private @Nullable NDArray startSample;

	private int counter;

	/**
	 * @param steps sampling steps; the scheduler evaluates {@code steps + 1} times (once for a single step)
	 * @param prediction what the UNet predicts
	 * @param manager where the kept predictions and start sample live
	 */
	PndmScheduler(int steps, PredictionType prediction, NDManager manager) {
		this(NoiseSchedule.STABLE_DIFFUSION, steps, prediction, manager);
	}

	/**
	 * @param schedule the noise schedule; its spacing must be "leading"
	 * @param steps sampling steps; the scheduler evaluates {@code steps + 1} times (once for a single step)
	 * @param prediction what the UNet predicts
	 * @param manager where the kept predictions and start sample live
	 */
	PndmScheduler(NoiseSchedule schedule, int steps, PredictionType prediction, NDManager manager) {
		if (schedule.spacing() != NoiseSchedule.Spacing.LEADING) {
			throw new IllegalArgumentException("PNDM is implemented for 'leading' timestep spacing only, not '"
					+ schedule.spacing().configName() + "'");
		}
		this.schedule = schedule;
		double[] leading = schedule.timesteps(steps);
		// diffusers: concatenate([t[:-1], t[-2:-1], t[-1:]])[::-1] over the ascending timesteps, so the second
		// timestep is repeated; a single step has nothing to repeat
		if (steps == 1) {
			this.timesteps = leading;
		}
		else {
			this.timesteps = new double[steps + 1];
			this.timesteps[0] = leading[0];
			System.arraycopy(leading, 1, this.timesteps, 2, steps - 1);
			this.timesteps[1] = leading[1];
		}
		this.stepRatio = schedule.stepRatio(steps);
		this.prediction = prediction;
		this.manager = manager;
	}

	@Override
	public double[] timesteps() {
		return this.timesteps;
	}

	@Override
	public double initNoiseSigma() {
		return 1.0;
	}

	@Override
	public NDArray scaleModelInput(NDArray sample, int index) {
		return sample;
	}

	@Override
	public NDArray step(NDArray modelOutput, int index, NDArray sample) {
		int timestep = (int) this.timesteps[index];
		int previous = timestep - this.stepRatio;
		if (this.counter != 1) {
			keep(modelOutput);
		}
		else {
			// second evaluation: correct the first move, again from the first sample
			previous = timestep;
			timestep = timestep + this.stepRatio;
		}
		NDArray[] past = this.history.toArray(new NDArray[0]);
		int kept = past.length;
		NDArray epsilon;
		NDArray from = sample;
		if (kept == 1 && this.counter == 0) {
			epsilon = modelOutput;
			this.startSample = keepAlive(sample);
		}
		else if (kept == 1 && this.counter == 1) {
			epsilon = modelOutput.add(past[0]).div(2f);
			from = requireStartSample();
			this.startSample = null;
		}
		else if (kept == 2) {
			epsilon = past[1].mul(3f).sub(past[0]).div(2f);
		}
		else if (kept == 3) {
			epsilon = past[2].mul(23f).sub(past[1].mul(16f)).add(past[0].mul(5f)).div(12f);
		}
		else {
			epsilon = past[3].mul(55f)
				.sub(past[2].mul(59f))
				.add(past[1].mul(37f))
				.sub(past[0].mul(9f))
				.div(24f);
		}
		this.counter++;
		return transfer(from, timestep, previous, epsilon);
	}

	private NDArray transfer(NDArray sample, int timestep, int previous, NDArray modelOutput) {
		double alpha = this.schedule.alphaCumprod(timestep);
		double alphaPrevious = this.schedule.alphaCumprodOrFinal(previous);
		double beta = 1 - alpha;
		double betaPrevious = 1 - alphaPrevious;
		NDArray epsilon = modelOutput;
		if (this.prediction == PredictionType.V_PREDICTION) {
			epsilon = modelOutput.mul((float) Math.sqrt(alpha)).add(sample.mul((float) Math.sqrt(beta)));
		}
		double sampleCoefficient = Math.sqrt(alphaPrevious / alpha);
		double denominator = alpha * Math.sqrt(betaPrevious) + Math.sqrt(alpha * beta * alphaPrevious);
		return sample.mul((float) sampleCoefficient)
			.sub(epsilon.mul((float) ((alphaPrevious - alpha) / denominator)));
	}

	private void keep(NDArray modelOutput) {
		this.history.addLast(keepAlive(modelOutput));
		while (this.history.size() > HISTORY) {
			this.history.removeFirst().close();
		}
	}

	private NDArray keepAlive(NDArray array) {
		NDArray copy = array.duplicate();
		copy.attach(this.manager);
		return copy;
	}

	private NDArray requireStartSample() {
		NDArray start = this.startSample;
		if (start == null) {
			throw new IllegalStateException("PNDM's second step needs the first step's sample");
		}
		return start;
	}

	/** The kept noise predictions, oldest first. */
	@Override
	public List<NDArray> state() {
		return List.copyOf(this.history);
	}

	@Override
	public int stateArrays(int evaluations) {
		// the first evaluation's prediction is kept, the second's is not, every later one's is, up to HISTORY
		if (evaluations <= 1) {
			return evaluations;
		}
		return Math.min(evaluations - 1, HISTORY);
	}

	@Override
	public void restore(int evaluations, List<NDArray> state, Shape latentShape) {
		if (evaluations < 2 || evaluations > this.timesteps.length) {
			throw new IllegalArgumentException("PNDM resumes after 2 to " + this.timesteps.length
					+ " evaluations, not " + evaluations);
		}
		if (state.size() != stateArrays(evaluations)) {
			throw new IllegalArgumentException("PNDM after " + evaluations + " evaluations keeps "
					+ stateArrays(evaluations) + " predictions but " + state.size() + " were given");
		}
		this.history.forEach(NDArray::close);
		this.history.clear();
		for (NDArray prediction : state) {
			this.history.addLast(keepAlive(prediction));
		}
		this.startSample = null;
		this.counter = evaluations;
	}

	/** How many past predictions are kept (for tests). */
	int keptPredictions() {
		return this.history.size();
	}

}
