package dev.kiln.support.heartbeat;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ValueOperations;
import org.springframework.data.redis.core.ZSetOperations;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.ModelInfo;
import dev.kiln.contract.RedisKeys;
import dev.kiln.contract.WorkerHeartbeat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

class WorkerHeartbeatsTests {

	private final JsonMapper json = JsonMapper.builder().findAndAddModules().build();

	private final StringRedisTemplate redis = mock(StringRedisTemplate.class);

	@SuppressWarnings("unchecked")
	private final ZSetOperations<String, String> workers = mock(ZSetOperations.class);

	@SuppressWarnings("unchecked")
	private final ValueOperations<String, String> documents = mock(ValueOperations.class);

	private final WorkerHeartbeats heartbeats = new WorkerHeartbeats(this.redis, this.json);

	WorkerHeartbeatsTests() {
		given(this.redis.opsForZSet()).willReturn(this.workers);
		given(this.redis.opsForValue()).willReturn(this.documents);
	}

	@Test
	void readsTheDocumentOfEveryIndexedWorkerInOneRoundTrip() {
		given(this.workers.range(RedisKeys.workers(), 0, -1)).willReturn(new LinkedHashSet<>(List.of("w1", "w2")));
		given(this.documents.multiGet(List.of(RedisKeys.worker("w1"), RedisKeys.worker("w2"))))
			.willReturn(List.of(document("w1", true), document("w2", false)));

		List<WorkerHeartbeat> live = this.heartbeats.live();

		assertThat(live).extracting(WorkerHeartbeat::workerId).containsExactly("w1", "w2");
		assertThat(live).extracting(WorkerHeartbeat::busy).containsExactly(true, false);
		assertThat(live.get(0).models()).extracting(ModelInfo::id).containsExactly("sd15");
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> live.remove(0));
	}

	@Test
	void aWorkerWhoseHeartbeatExpiredOrCannotBeReadIsSkipped() {
		given(this.workers.range(RedisKeys.workers(), 0, -1))
			.willReturn(new LinkedHashSet<>(List.of("gone", "garbled", "w3")));
		given(this.documents.multiGet(List.of(RedisKeys.worker("gone"), RedisKeys.worker("garbled"),
				RedisKeys.worker("w3"))))
			.willReturn(Arrays.asList(null, "{not json", document("w3", false)));

		assertThat(this.heartbeats.live()).extracting(WorkerHeartbeat::workerId).containsExactly("w3");
	}

	@Test
	void noIndexedWorkerMeansNoSecondRoundTrip() {
		given(this.workers.range(RedisKeys.workers(), 0, -1)).willReturn(new LinkedHashSet<>());

		assertThat(this.heartbeats.live()).isEmpty();
		verify(this.redis, never()).opsForValue();
	}

	private String document(String workerId, boolean busy) {
		Instant now = Instant.parse("2030-01-01T00:00:00Z");
		return this.json.writeValueAsString(new WorkerHeartbeat(WorkerHeartbeat.SCHEMA_VERSION, workerId,
				List.of(new ModelInfo("sd15", "stable-diffusion", 262144, 50, 4)), "cpu", busy, busy ? "job-1" : null, now, now));
	}

}
