package dev.kiln.gateway.model;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ValueOperations;
import org.springframework.data.redis.core.ZSetOperations;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.ImageSize;
import dev.kiln.contract.RedisKeys;
import dev.kiln.contract.WorkerHeartbeat;
import dev.kiln.gateway.GatewayApiProperties;
import dev.kiln.gateway.GatewayProperties;
import dev.kiln.support.heartbeat.WorkerHeartbeats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * The catalog's view of live workers over a mocked Redis and a hand-moved clock: one read of the heartbeats serves
 * every use within {@code kiln.gateway.workers.cache-ttl}, a read after it sees new workers, {@code 0} reads every
 * time, and a Redis failure is not remembered.
 */
class ModelCatalogTests {

	private final StringRedisTemplate redis = mock();

	private final ZSetOperations<String, String> workers = mock();

	private final ValueOperations<String, String> heartbeats = mock();

	private final AtomicLong nanos = new AtomicLong();

	private final Set<String> live = new LinkedHashSet<>();

	@BeforeEach
	void redis() {
		given(this.redis.opsForZSet()).willReturn(this.workers);
		given(this.redis.opsForValue()).willReturn(this.heartbeats);
		given(this.workers.range(RedisKeys.workers(), 0, -1)).willAnswer((invocation) -> new LinkedHashSet<>(this.live));
		given(this.heartbeats.multiGet(anyList())).willAnswer((invocation) -> invocation.<List<String>>getArgument(0)
			.stream()
			.map((key) -> heartbeat(key.substring(RedisKeys.worker("").length()), "sd-turbo"))
			.toList());
	}

	@Test
	void oneReadOfTheHeartbeatsServesEveryUseWithinTheTtl() {
		ModelCatalog catalog = catalog(Duration.ofSeconds(1));
		this.live.add("w1");
		assertThat(catalog.liveWorkers()).extracting(WorkerHeartbeat::workerId).containsExactly("w1");
		this.live.add("w2");
		this.nanos.addAndGet(Duration.ofMillis(999).toNanos());
		assertThat(catalog.liveWorkers()).extracting(WorkerHeartbeat::workerId).containsExactly("w1");
		assertThat(catalog.limits("sd-turbo")).isPresent();
		verify(this.workers, times(1)).range(RedisKeys.workers(), 0, -1);

		this.nanos.addAndGet(Duration.ofMillis(2).toNanos());
		assertThat(catalog.liveWorkers()).extracting(WorkerHeartbeat::workerId).containsExactly("w1", "w2");
		verify(this.workers, times(2)).range(RedisKeys.workers(), 0, -1);
	}

	@Test
	void aZeroTtlReadsTheHeartbeatsOnEveryUse() {
		ModelCatalog catalog = catalog(Duration.ZERO);
		this.live.add("w1");
		assertThat(catalog.liveWorkers()).hasSize(1);
		this.live.add("w2");
		assertThat(catalog.liveWorkers()).hasSize(2);
		verify(this.workers, times(2)).range(RedisKeys.workers(), 0, -1);
	}

	@Test
	void aRedisFailureReachesTheCallerAndIsNotRemembered() {
		ModelCatalog catalog = catalog(Duration.ofSeconds(1));
		given(this.workers.range(RedisKeys.workers(), 0, -1)).willThrow(new QueryTimeoutException("redis is down"))
			.willAnswer((invocation) -> Set.of("w1"));
		assertThatExceptionOfType(QueryTimeoutException.class).isThrownBy(catalog::liveWorkers);
		assertThat(catalog.liveWorkers()).extracting(WorkerHeartbeat::workerId).containsExactly("w1");
	}

	@Test
	void aConfiguredModelNeedsNoHeartbeats() {
		ModelCatalog catalog = catalog(Duration.ofSeconds(1));
		assertThat(catalog.limits("kiln-builtin")).contains(new GatewayApiProperties.ModelLimits(65536, 30, 2));
		assertThat(catalog.limits("sd-turbo")).isEmpty();
		verify(this.workers, times(1)).range(RedisKeys.workers(), 0, -1);
	}

	@Test
	void modelsShowWhatWorkersAnnounceFromTheirManifests() {
		ModelCatalog catalog = catalog(Duration.ZERO);
		Map<String, String> documents = Map.of(
				RedisKeys.worker("w1"), exported("w1", "sd15", "[{\"width\":512,\"height\":512}]", true),
				RedisKeys.worker("w2"), exported("w2", "sd15", "[{\"width\":768,\"height\":512}]", false),
				RedisKeys.worker("w3"), exported("w3", "kiln-builtin", "[{\"width\":256,\"height\":256}]", false));
		given(this.heartbeats.multiGet(anyList())).willAnswer((invocation) -> invocation.<List<String>>getArgument(0)
			.stream()
			.map(documents::get)
			.toList());
		this.live.addAll(List.of("w1", "w2", "w3"));
		Map<String, ModelView> byId = new java.util.HashMap<>();
		catalog.models().forEach((model) -> byId.put(model.id(), model));

		ModelView sd = byId.get("sd15");
		assertThat(sd.configured()).isFalse();
		assertThat(sd.family()).isEqualTo("sd1");
		assertThat(sd.sizes()).containsExactly(new ImageSize(512, 512), new ImageSize(768, 512));
		assertThat(sd.maxPixels()).isEqualTo(393216);
		assertThat(sd.maxBatch()).isEqualTo(4);
		assertThat(sd.scheduler()).isEqualTo("pndm");
		assertThat(sd.schedulers()).containsExactly("pndm", "ddim", "euler-ancestral");
		assertThat(sd.liveWorkers()).isEqualTo(2);
		assertThat(sd.busyWorkers()).isEqualTo(1);
		// a configured model keeps its configured limits; what workers say about it is shown beside them
		ModelView builtin = byId.get("kiln-builtin");
		assertThat(builtin.configured()).isTrue();
		assertThat(builtin.maxPixels()).isEqualTo(65536);
		assertThat(builtin.maxBatch()).isEqualTo(2);
		assertThat(builtin.sizes()).containsExactly(new ImageSize(256, 256));
	}

	@Test
	void aModelsSizesAreThoseItsLiveWorkersAnnounceAndUnknownWithoutThem() {
		ModelCatalog catalog = catalog(Duration.ZERO);
		Map<String, String> documents = Map.of(
				RedisKeys.worker("w1"), exported("w1", "sd15", "[{\"width\":512,\"height\":512}]", false),
				RedisKeys.worker("w2"), exported("w2", "sd15", "[{\"width\":768,\"height\":512}]", false),
				RedisKeys.worker("w3"), heartbeat("w3", "mixed"), RedisKeys.worker("w4"),
				exported("w4", "mixed", "[{\"width\":512,\"height\":512}]", false));
		given(this.heartbeats.multiGet(anyList())).willAnswer((invocation) -> invocation.<List<String>>getArgument(0)
			.stream()
			.map(documents::get)
			.toList());
		this.live.addAll(List.of("w1", "w2", "w3", "w4"));

		assertThat(catalog.sizes("sd15")).containsExactly(new ImageSize(512, 512), new ImageSize(768, 512));
		// one worker renders it at any size: no size is refused
		assertThat(catalog.sizes("mixed")).isEmpty();
		// no live worker announces it: its sizes are unknown, and none is refused
		assertThat(catalog.sizes("kiln-builtin")).isEmpty();
		assertThat(catalog.sizes("nobody-serves-this")).isEmpty();
	}

	@Test
	void aModelsSchedulersAreThoseItsLiveWorkersAnnounceNoneWithoutAChoiceAndUnknownWithoutWorkers() {
		ModelCatalog catalog = catalog(Duration.ZERO);
		Map<String, String> documents = Map.of(
				RedisKeys.worker("w1"), exported("w1", "sd15", "[{\"width\":512,\"height\":512}]", false),
				RedisKeys.worker("w2"), heartbeat("w2", "kiln-builtin"));
		given(this.heartbeats.multiGet(anyList())).willAnswer((invocation) -> invocation.<List<String>>getArgument(0)
			.stream()
			.map(documents::get)
			.toList());
		this.live.addAll(List.of("w1", "w2"));

		assertThat(catalog.schedulers("sd15")).contains(List.of("pndm", "ddim", "euler-ancestral"));
		// the built-in model's worker announces no choice: an empty list, not unknown
		assertThat(catalog.schedulers("kiln-builtin")).contains(List.of());
		assertThat(catalog.schedulers("nobody-serves-this")).isEmpty();
	}

	@Test
	void aModelIsDescribedAsItsWorkersDescribeIt() {
		ModelCatalog catalog = catalog(Duration.ZERO);
		String described = """
				{"schemaVersion":1,"workerId":"w1",
				 "models":[{"id":"kiln-builtin","type":"builtin","maxPixels":262144,"maxSteps":50,"maxBatch":2,
				   "description":"renders abstract patterns"}],
				 "device":"cpu","busy":false,"jobId":null,"startedAt":"2026-11-23T10:00:00Z",
				 "beatAt":"2026-11-23T10:00:01Z"}""";
		ModelView before = catalog.models().get(0);
		assertThat(before.id()).isEqualTo("kiln-builtin");
		assertThat(before.description()).as("configured, and no worker said yet").isNull();

		given(this.heartbeats.multiGet(anyList())).willReturn(List.of(heartbeat("w0", "kiln-builtin"), described));
		this.live.addAll(List.of("w0", "w1"));
		assertThat(catalog.models()).singleElement()
			.satisfies((model) -> assertThat(model.description()).isEqualTo("renders abstract patterns"));
	}

	@Test
	void modelsOfWorkersWithoutManifestsHaveNoSizesOrFamily() {
		ModelCatalog catalog = catalog(Duration.ZERO);
		this.live.add("w1");
		ModelView turbo = catalog.models().stream().filter((model) -> model.id().equals("sd-turbo")).findFirst().get();
		assertThat(turbo.family()).isNull();
		assertThat(turbo.sizes()).isEmpty();
		assertThat(turbo.schedulers()).isEmpty();
		assertThat(turbo.description()).isNull();
		assertThat(turbo.maxPixels()).isEqualTo(262144);
	}

	private static String exported(String worker, String model, String sizes, boolean busy) {
		int maxPixels = sizes.contains("768") ? 393216 : (sizes.contains("512") ? 262144 : 65536);
		return """
				{"schemaVersion":1,"workerId":"%s",
				 "models":[{"id":"%s","type":"sd-torchscript","maxPixels":%d,"maxSteps":150,"maxBatch":4,
				   "family":"sd1","sizes":%s,"scheduler":"pndm","schedulers":["pndm","ddim","euler-ancestral"]}],
				 "device":"gpu(0)","busy":%s,"jobId":null,"startedAt":"2026-11-23T10:00:00Z",
				 "beatAt":"2026-11-23T10:00:01Z"}""".formatted(worker, model, maxPixels, sizes, busy);
	}

	private ModelCatalog catalog(Duration ttl) {
		GatewayApiProperties properties = new GatewayApiProperties(
				Map.of("kiln-builtin", new GatewayApiProperties.ModelLimits(65536, 30, 2)), null, null, null, null, null,
				null, new GatewayApiProperties.Workers(ttl));
		return new ModelCatalog(properties,
				new GatewayProperties(new GatewayProperties.Storage(Duration.ofMinutes(15)),
						new GatewayProperties.Jobs("kiln-builtin")),
				new WorkerHeartbeats(this.redis, JsonMapper.builder().build()), this.nanos::get);
	}

	private static String heartbeat(String worker, String model) {
		return """
				{"schemaVersion":1,"workerId":"%s",
				 "models":[{"id":"%s","type":"builtin","maxPixels":262144,"maxSteps":50,"maxBatch":2}],
				 "device":"cpu","busy":false,"jobId":null,"startedAt":"2026-11-23T10:00:00Z",
				 "beatAt":"2026-11-23T10:00:01Z"}""".formatted(worker, model);
	}

}
