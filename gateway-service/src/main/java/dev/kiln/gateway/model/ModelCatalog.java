package dev.kiln.gateway.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import dev.kiln.contract.ImageSize;
import dev.kiln.contract.ModelInfo;
import dev.kiln.contract.WorkerHeartbeat;
import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.gateway.GatewayProperties;
import dev.kiln.support.heartbeat.WorkerHeartbeats;

/**
 * The models jobs may ask for. Kiln scales to zero workers, so the configured catalog
 * ({@code kiln.gateway.models.<id>.*}) is always known; models that live workers announce in their heartbeats are
 * added with the limits those workers report. The heartbeats are read at most once per
 * {@code kiln.gateway.workers.cache-ttl} (1 s), so their cost does not grow with the request rate.
 */
@Component
public class ModelCatalog {

	private static final String LIVE = "live";

	private final Map<String, GatewayApiProperties.ModelLimits> configured;

	private final String defaultModel;

	private final WorkerHeartbeats heartbeats;

	private final LoadingCache<String, List<WorkerHeartbeat>> live;

	@Autowired
	ModelCatalog(GatewayApiProperties properties, GatewayProperties gateway, WorkerHeartbeats heartbeats) {
		this(properties, gateway, heartbeats, Ticker.systemTicker());
	}

	ModelCatalog(GatewayApiProperties properties, GatewayProperties gateway, WorkerHeartbeats heartbeats,
			Ticker ticker) {
		this.configured = new TreeMap<>(properties.models());
		this.defaultModel = gateway.jobs().defaultModel();
		this.heartbeats = heartbeats;
		this.live = Caffeine.newBuilder()
			.expireAfterWrite(properties.workers().cacheTtl())
			.ticker(ticker)
			.build((key) -> this.heartbeats.live());
	}

	/**
	 * The model of a request that names none ({@code kiln.jobs.default-model}).
	 * @return its id
	 */
	public String defaultModel() {
		return this.defaultModel;
	}

	/**
	 * Every model with its limits and live workers, by id. A configured model keeps its configured limits; one known
	 * only from heartbeats takes the largest limits any live worker announces. Family, sizes and samplers come from
	 * the workers (their models' manifests): the first family announced, the sizes and samplers any of them renders.
	 */
	public List<ModelView> models() {
		List<WorkerHeartbeat> workers = liveWorkers();
		Map<String, ModelView> models = new TreeMap<>();
		this.configured.forEach((id, limits) -> models.put(id, new ModelView(id, limits.maxPixels(), limits.maxSteps(),
				limits.maxBatch(), true, 0, 0, null, List.of(), null, List.of(), null, false, 0)));
		for (WorkerHeartbeat worker : workers) {
			for (ModelInfo model : worker.models()) {
				ModelView known = models.get(model.id());
				models.put(model.id(), (known == null) ? view(model, worker.busy()) : merge(known, model, worker.busy()));
			}
		}
		return new ArrayList<>(models.values());
	}

	private static ModelView view(ModelInfo model, boolean busy) {
		return new ModelView(model.id(), model.maxPixels(), model.maxSteps(), model.maxBatch(), false, 1, busy ? 1 : 0,
				model.family(), model.sizes(), model.scheduler(), model.schedulers(), model.description(),
				model.imageToImage(), model.maxClipSkip());
	}

	private static ModelView merge(ModelView known, ModelInfo model, boolean busy) {
		boolean configured = known.configured();
		Set<ImageSize> sizes = new LinkedHashSet<>(known.sizes());
		sizes.addAll(model.sizes());
		Set<String> schedulers = new LinkedHashSet<>(known.schedulers());
		schedulers.addAll(model.schedulers());
		return new ModelView(known.id(), configured ? known.maxPixels() : Math.max(known.maxPixels(), model.maxPixels()),
				configured ? known.maxSteps() : Math.max(known.maxSteps(), model.maxSteps()),
				configured ? known.maxBatch() : Math.max(known.maxBatch(), model.maxBatch()), configured,
				known.liveWorkers() + 1, known.busyWorkers() + (busy ? 1 : 0),
				(known.family() != null) ? known.family() : model.family(), List.copyOf(sizes),
				(known.scheduler() != null) ? known.scheduler() : model.scheduler(), List.copyOf(schedulers),
				(known.description() != null) ? known.description() : model.description(),
				known.imageToImage() || model.imageToImage(), Math.max(known.maxClipSkip(), model.maxClipSkip()));
	}

	/**
	 * The limits a job for a model must keep. A configured model is answered from the configuration without reading
	 * Redis (its limits are the configured ones whatever workers announce); any other model from the heartbeats of the
	 * live workers that serve it (the largest limits any of them announces).
	 * @param id the model id
	 * @return the limits, empty when the model is neither configured nor served by a live worker
	 */
	public Optional<GatewayApiProperties.ModelLimits> limits(String id) {
		GatewayApiProperties.ModelLimits configured = this.configured.get(id);
		if (configured != null) {
			return Optional.of(configured);
		}
		GatewayApiProperties.ModelLimits limits = null;
		for (WorkerHeartbeat worker : liveWorkers()) {
			for (ModelInfo model : worker.models()) {
				if (model.id().equals(id)) {
					limits = (limits != null) ? new GatewayApiProperties.ModelLimits(
							Math.max(limits.maxPixels(), model.maxPixels()), Math.max(limits.maxSteps(), model.maxSteps()),
							Math.max(limits.maxBatch(), model.maxBatch()))
							: new GatewayApiProperties.ModelLimits(model.maxPixels(), model.maxSteps(), model.maxBatch());
				}
			}
		}
		return Optional.ofNullable(limits);
	}

	/**
	 * The only sizes a job for a model may ask for: those the live workers serving it announce from its manifest.
	 * Empty means any size within its {@code maxPixels}: either a live worker serving it renders any size (the
	 * built-in model), or no live worker has announced it yet, so its sizes are unknown; such a job is accepted as
	 * before, and a worker that cannot render that size fails it as {@code invalid-request}.
	 * @param id the model id
	 * @return the sizes, in the order workers announce them; empty when any size is accepted
	 */
	public List<ImageSize> sizes(String id) {
		Set<ImageSize> sizes = new LinkedHashSet<>();
		for (WorkerHeartbeat worker : liveWorkers()) {
			for (ModelInfo model : worker.models()) {
				if (model.id().equals(id)) {
					if (model.sizes().isEmpty()) {
						return List.of();
					}
					sizes.addAll(model.sizes());
				}
			}
		}
		return List.copyOf(sizes);
	}

	/**
	 * The samplers a job for a model may name: those the live workers serving it announce from its manifest.
	 * @param id the model id
	 * @return the samplers, in the order workers announce them (empty: the model has no choice, as the built-in
	 * one); nothing while no live worker has announced the model, so its samplers are unknown
	 */
	public Optional<List<String>> schedulers(String id) {
		Set<String> schedulers = new LinkedHashSet<>();
		boolean announced = false;
		for (WorkerHeartbeat worker : liveWorkers()) {
			for (ModelInfo model : worker.models()) {
				if (model.id().equals(id)) {
					announced = true;
					schedulers.addAll(model.schedulers());
				}
			}
		}
		return announced ? Optional.of(List.copyOf(schedulers)) : Optional.empty();
	}

	/**
	 * Whether a live worker serving the model announces that it renders jobs with an init image (img2img).
	 * @param id the model id
	 * @return whether an img2img job for it can be accepted
	 */
	public boolean imageToImage(String id) {
		for (WorkerHeartbeat worker : liveWorkers()) {
			for (ModelInfo model : worker.models()) {
				if (model.id().equals(id) && Boolean.TRUE.equals(model.imageToImage())) {
					return true;
				}
			}
		}
		return false;
	}

	/**
	 * The largest clip skip a live worker serving the model announces.
	 * @param id the model id
	 * @return the largest {@code clipSkip} a job for it may ask, 0 when none can be honoured
	 */
	public int maxClipSkip(String id) {
		int max = 0;
		for (WorkerHeartbeat worker : liveWorkers()) {
			for (ModelInfo model : worker.models()) {
				if (model.id().equals(id)) {
					max = Math.max(max, model.maxClipSkip());
				}
			}
		}
		return max;
	}

	/** The ids of every known model, sorted. */
	public Set<String> ids() {
		Set<String> ids = new TreeSet<>();
		models().forEach((model) -> ids.add(model.id()));
		return ids;
	}

	/**
	 * The heartbeats of the live workers (their heartbeat key has not expired), as read at most
	 * {@code kiln.gateway.workers.cache-ttl} ago: one read serves every request in that time.
	 */
	public List<WorkerHeartbeat> liveWorkers() {
		return this.live.get(LIVE);
	}

}
