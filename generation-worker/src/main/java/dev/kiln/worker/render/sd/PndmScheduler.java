package dev.kiln.worker.render.sd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.jspecify.annotations.Nullable;

/**
 * PNDM (Liu et al. 2022, arXiv:2202.09778) as diffusers' {@code PNDMScheduler} computes it ("leading" timesteps;
 * {@code steps_offset} and {@code set_alpha_to_one} from the {@link NoiseSchedule}). Every move uses PNDM's transfer
 * x_prev = √(ᾱ_prev/ᾱₜ)·x − (ᾱ_prev − ᾱₜ)·ε / (ᾱₜ·√(1−ᾱ_prev) + √(ᾱₜ(1−ᾱₜ)ᾱ_prev)), and the linear multistep part
 * (PLMS) combines the last up to four noise predictions with the Adams–Bashforth weights (1), (3, −1)/2,
 * (23, −16, 5)/12, (55, −59, 37, −9)/24. Two ways to start, as diffusers' {@code skip_prk_steps}:
 * <ul>
 * <li>{@code skip_prk_steps = true} (the default here, and what Stable Diffusion's {@code scheduler_config.json}
 * sets): PLMS only. The timesteps are the leading ones with the second repeated (981, 961, 961, 941, …, 1 for 50
 * steps; a single step has one timestep): the first two evaluations form a second-order (Heun-like) start from the
 * first timestep. n + 1 evaluations for n ≥ 2 steps.</li>
 * <li>{@code skip_prk_steps = false} (diffusers' own default, F-PNDM): the first three steps are classical
 * fourth-order Runge–Kutta steps (PRK), four evaluations each at t, t − δ/2, t − δ/2 and t − δ (δ = T // n), all
 * moving from the step's start sample, the fourth with the weighted sum (1, 2, 2, 1)/6 of the four predictions;
 * each step's first prediction is kept for PLMS, which then runs its fourth-order form from the third step on.
 * n + 9 evaluations for n ≥ 4 steps (fewer cannot fit the three Runge–Kutta steps; diffusers fails there too).
 * The half-step timesteps and targets follow diffusers exactly, also where δ is odd.</li>
 * </ul>
 */
final class PndmScheduler extends AlphaScheduler {

	private static final int HISTORY = 4;

	/** Runge–Kutta steps before PLMS takes over (diffusers' {@code pndm_order − 1}). */
	private static final int RUNGE_KUTTA_STEPS = 3;

	/** Evaluations per Runge–Kutta step. */
	private static final int STAGES = 4;

	private final int stepRatio;

	/** Evaluations of the Runge–Kutta warm-up: 0 with {@code skip_prk_steps}, else 12. */
	private final int rungeKuttaEvaluations;

	/** diffusers' half step of the Runge–Kutta warm-up: {@code T // steps // 2}. */
	private final int halfStep;

	private final PredictionType prediction;

	private final NDManager manager;

	/** Past noise predictions, newest last, at most {@link #HISTORY}. */
	private final Deque<NDArray> history = new ArrayDeque<>();

	private @Nullable NDArray startSample;

	/** The weighted sum of a Runge–Kutta step's predictions so far (diffusers' {@code cur_model_output}). */
	private @Nullable NDArray accumulated;

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
		this(schedule, steps, prediction, true, manager);
	}

	/**
	 * @param schedule the noise schedule; its spacing must be "leading"
	 * @param steps sampling steps; at least 4 without {@code skipPrkSteps}
	 * @param prediction what the UNet predicts
	 * @param skipPrkSteps diffusers' {@code skip_prk_steps}: {@code true} for PLMS only (Stable Diffusion's
	 * configuration), {@code false} for the Runge–Kutta warm-up first
	 * @param manager where the kept predictions and start sample live
	 */
	PndmScheduler(NoiseSchedule schedule, int steps, PredictionType prediction, boolean skipPrkSteps,
			NDManager manager) {
		super(schedule, timesteps(schedule, steps, skipPrkSteps));
		this.stepRatio = schedule.stepRatio(steps);
		this.rungeKuttaEvaluations = skipPrkSteps ? 0 : RUNGE_KUTTA_STEPS * STAGES;
		this.halfStep = schedule.trainingSteps() / steps / 2;
		this.prediction = prediction;
		this.manager = manager;
	}

	private static double[] timesteps(NoiseSchedule schedule, int steps, boolean skipPrkSteps) {
		if (schedule.spacing() != NoiseSchedule.Spacing.LEADING) {
			throw new IllegalArgumentException("PNDM is implemented for 'leading' timestep spacing only, not '"
					+ schedule.spacing().configName() + "'");
		}
		if (!skipPrkSteps && steps < RUNGE_KUTTA_STEPS + 1) {
			throw new IllegalArgumentException(
					"PNDM's Runge-Kutta warm-up (skip_prk_steps = false) needs at least 4 steps, not " + steps);
		}
		double[] leading = schedule.timesteps(steps);
		if (!skipPrkSteps) {
			return rungeKuttaTimesteps(leading, schedule.trainingSteps() / steps / 2);
		}
		if (steps == 1) {
			// a single step has nothing to repeat
			return leading;
		}
		// diffusers: concatenate([t[:-1], t[-2:-1], t[-1:]])[::-1] over the ascending timesteps, so the second
		// timestep is repeated
		double[] timesteps = new double[steps + 1];
		timesteps[0] = leading[0];
		System.arraycopy(leading, 1, timesteps, 2, steps - 1);
		timesteps[1] = leading[1];
		return timesteps;
	}

	/**
	 * diffusers' {@code set_timesteps} without {@code skip_prk_steps}: over the ascending timesteps {@code a},
	 * {@code prk = (a[-4:].repeat(2) + tile([0, half], 4))[:-1].repeat(2)[1:-1][::-1]} then
	 * {@code plms = a[:-3][::-1]}. Over the descending ones {@code d}, Runge–Kutta step k evaluates at d[k],
	 * d[k+1] + half, d[k+1] + half, d[k+1].
	 */
	private static double[] rungeKuttaTimesteps(double[] descending, int half) {
		int steps = descending.length;
		double[] result = new double[RUNGE_KUTTA_STEPS * STAGES + steps - RUNGE_KUTTA_STEPS];
		int i = 0;
		for (int k = 0; k < RUNGE_KUTTA_STEPS; k++) {
			double next = descending[k + 1];
			result[i++] = descending[k];
			result[i++] = next + half;
			result[i++] = next + half;
			result[i++] = next;
		}
		System.arraycopy(descending, RUNGE_KUTTA_STEPS, result, i, steps - RUNGE_KUTTA_STEPS);
		return result;
	}

	@Override
	public NDArray step(NDArray modelOutput, int index, NDArray sample) {
		if (this.counter < this.rungeKuttaEvaluations) {
			return rungeKuttaStep(modelOutput, index, sample);
		}
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

	/**
	 * diffusers' {@code step_prk}: stage s (= counter mod 4) of a Runge–Kutta step that starts at
	 * {@code t = timesteps[counter − s]} moves the step's start sample from t to (the evaluated timestep − half) for
	 * even s and to the evaluated timestep for odd s, with the stage's prediction (s &lt; 3) or the weighted sum of
	 * all four (s = 3).
	 */
	private NDArray rungeKuttaStep(NDArray modelOutput, int index, NDArray sample) {
		int stage = this.counter % STAGES;
		int evaluated = (int) this.timesteps[index];
		int previous = evaluated - ((this.counter % 2 == 0) ? this.halfStep : 0);
		int timestep = (int) this.timesteps[this.counter - stage];
		NDArray epsilon = modelOutput;
		switch (stage) {
			case 0 -> {
				replaceAccumulated(modelOutput.mul(1f / 6f));
				keep(modelOutput);
				replaceStartSample(keepAlive(sample));
			}
			case 1, 2 -> replaceAccumulated(requireAccumulated().add(modelOutput.mul(1f / 3f)));
			default -> {
				epsilon = requireAccumulated().add(modelOutput.mul(1f / 6f));
				replaceAccumulated(null);
			}
		}
		NDArray from = requireStartSample();
		this.counter++;
		return transfer(from, timestep, previous, epsilon);
	}

	private void replaceAccumulated(@Nullable NDArray sum) {
		NDArray old = this.accumulated;
		this.accumulated = (sum != null) ? keepAlive(sum) : null;
		if (old != null) {
			old.close();
		}
	}

	private void replaceStartSample(@Nullable NDArray start) {
		NDArray old = this.startSample;
		this.startSample = start;
		if (old != null && old != start) {
			old.close();
		}
	}

	private NDArray requireAccumulated() {
		NDArray sum = this.accumulated;
		if (sum == null) {
			throw new IllegalStateException("A Runge-Kutta stage needs the step's earlier predictions");
		}
		return sum;
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

	/**
	 * The kept noise predictions, oldest first; inside a Runge–Kutta step, followed by the step's start sample and
	 * the weighted sum of its predictions so far.
	 */
	@Override
	public List<NDArray> state() {
		List<NDArray> state = new ArrayList<>(this.history);
		if (insideRungeKuttaStep(this.counter)) {
			state.add(requireStartSample());
			state.add(requireAccumulated());
		}
		return List.copyOf(state);
	}

	private boolean insideRungeKuttaStep(int evaluations) {
		return evaluations < this.rungeKuttaEvaluations && evaluations % STAGES != 0;
	}

	@Override
	public int stateArrays(int evaluations) {
		if (this.rungeKuttaEvaluations > 0) {
			if (evaluations < this.rungeKuttaEvaluations) {
				// each Runge–Kutta step keeps its first prediction; inside one, its start sample and partial sum too
				int kept = (evaluations + STAGES - 1) / STAGES;
				return insideRungeKuttaStep(evaluations) ? kept + 2 : kept;
			}
			return Math.min(RUNGE_KUTTA_STEPS + evaluations - this.rungeKuttaEvaluations, HISTORY);
		}
		// the first evaluation's prediction is kept, the second's is not, every later one's is, up to HISTORY
		if (evaluations <= 1) {
			return evaluations;
		}
		return Math.min(evaluations - 1, HISTORY);
	}

	@Override
	public void restore(int evaluations, List<NDArray> state, Shape latentShape) {
		// PLMS only: after one evaluation the second needs the first sample, which a checkpoint does not keep
		int first = (this.rungeKuttaEvaluations > 0) ? 1 : 2;
		if (evaluations < first || evaluations > this.timesteps.length) {
			throw new IllegalArgumentException("PNDM resumes after " + first + " to " + this.timesteps.length
					+ " evaluations, not " + evaluations);
		}
		if (state.size() != stateArrays(evaluations)) {
			throw new IllegalArgumentException("PNDM after " + evaluations + " evaluations keeps "
					+ stateArrays(evaluations) + " arrays but " + state.size() + " were given");
		}
		this.history.forEach(NDArray::close);
		this.history.clear();
		replaceStartSample(null);
		replaceAccumulated(null);
		int predictions = state.size();
		if (insideRungeKuttaStep(evaluations)) {
			predictions -= 2;
			replaceStartSample(keepAlive(state.get(predictions)));
			replaceAccumulated(state.get(predictions + 1));
		}
		for (NDArray prediction : state.subList(0, predictions)) {
			this.history.addLast(keepAlive(prediction));
		}
		this.counter = evaluations;
	}

	/** How many past predictions are kept (for tests). */
	int keptPredictions() {
		return this.history.size();
	}

}
