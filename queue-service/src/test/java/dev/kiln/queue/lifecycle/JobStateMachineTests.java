package dev.kiln.queue.lifecycle;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.data.redis.core.HashOperations;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import tools.jackson.databind.json.JsonMapper;

import dev.kiln.contract.JobEvent;
import dev.kiln.contract.JobIds;
import dev.kiln.contract.JobMessage;
import dev.kiln.contract.Lane;
import dev.kiln.contract.JobFields;
import dev.kiln.contract.RedisKeys;
import dev.kiln.jobstore.JobStore;
import dev.kiln.support.config.SharedProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.willAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/** What the state machine reads before its script runs; the script itself is covered by the integration tests. */
class JobStateMachineTests {

	private final StringRedisTemplate redis = mock();

	private final HashOperations<String, Object, Object> hashes = mock();

	private final JsonMapper json = JsonMapper.builder().build();

	/** The keys each script call was given, in order. */
	private final List<List<String>> scriptKeys = new ArrayList<>();

	private JobStateMachine stateMachine;

	@BeforeEach
	@SuppressWarnings("unchecked")
	void wire() {
		given(this.redis.<Object, Object>opsForHash()).willReturn(this.hashes);
		willAnswer((call) -> {
			this.scriptKeys.add(call.getArgument(1));
			Object[] args = Arrays.copyOfRange(call.getArguments(), 2, call.getArguments().length);
			return switch ((String) args[6]) { // ARGV[7], the event type (transition-rules.lua)
				case "STARTED" -> "QUEUED>RUNNING";
				case "SUCCEEDED" -> (this.scriptKeys.size() > 2) ? "ignored:terminal" : "RUNNING>SUCCEEDED";
				default -> "ignored:unknown-type";
			};
		}).given(this.redis).execute(any(RedisScript.class), anyList(), any(Object[].class));
		SharedProperties shared = new Binder(new MapConfigurationPropertySource(Map.of()))
			.bindOrCreate("kiln", SharedProperties.class);
		this.stateMachine = new JobStateMachine(new JobStore(this.redis), this.json, new SimpleMeterRegistry(),
				Clock.systemUTC(), shared);
	}

	@Test
	void readsAJobsRecordOnceForAllItsEventsAndAgainAfterItEnded() {
		String id = record(Lane.INTERACTIVE, "sd15");
		assertThat(this.stateMachine.apply(JobEvent.started(id, 1, 1, "w1", Instant.now()))).hasToString("QUEUED>RUNNING");
		assertThat(this.stateMachine.apply(JobEvent.succeeded(id, 1, List.of("k"), 1, "w1", Instant.now())))
			.hasToString("RUNNING>SUCCEEDED");
		verify(this.hashes, times(1)).entries(any());
		// both script calls got the lane and model of the record, the second from what the first read
		for (List<String> keys : this.scriptKeys) {
			assertThat(keys.get(1)).isEqualTo(RedisKeys.laneQueued(Lane.INTERACTIVE));
			assertThat(keys.get(7)).isEqualTo(RedisKeys.modelStats("sd15"));
		}
		// the job ended: a late duplicate reads the record again
		this.stateMachine.apply(JobEvent.succeeded(id, 1, List.of("k"), 1, "w1", Instant.now()));
		verify(this.hashes, times(2)).entries(any());
	}

	@Test
	void doesNotKeepAJobWithoutARecord() {
		given(this.hashes.entries(any())).willReturn(Map.of());
		String id = JobIds.next();
		this.stateMachine.apply(JobEvent.started(id, 1, 1, "w1", Instant.now()));
		this.stateMachine.apply(JobEvent.started(id, 1, 1, "w1", Instant.now()));
		verify(this.hashes, times(2)).entries(any());
		assertThat(this.scriptKeys.get(1).get(7)).isEqualTo(RedisKeys.modelStats("unknown"));
	}

	private String record(Lane lane, String model) {
		String id = JobIds.next();
		JobMessage request = new JobMessage(1, id, "acme", model, "a fox", null, 64, 64, 1, 7.5, 7, 1, lane,
				Instant.now(), null);
		given(this.hashes.entries(RedisKeys.job(id))).willReturn(
				Map.of(JobFields.LANE, lane.wireName(), JobFields.REQUEST, this.json.writeValueAsString(request)));
		return id;
	}

}
