package dev.kiln.gateway.job;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.BDDMockito.willAnswer;
import static org.mockito.Mockito.mock;

/** Confirmed jobs leave the outbox in batches off the request path, and a failed removal does not stop the next. */
class OutboxConfirmationsTests {

	private final JobRepository repository = mock();

	private final List<String> removed = new CopyOnWriteArrayList<>();

	@Test
	void confirmedJobsAreRemovedAndAFailedRemovalDoesNotStopTheNext() throws Exception {
		List<Integer> calls = new CopyOnWriteArrayList<>();
		willAnswer((invocation) -> {
			List<String> ids = new ArrayList<>(invocation.getArgument(0));
			calls.add(ids.size());
			if (ids.contains("poison")) {
				throw new IllegalStateException("Redis went away");
			}
			this.removed.addAll(ids);
			return null;
		}).given(this.repository).sent(anyList());
		OutboxConfirmations confirmations = new OutboxConfirmations(this.repository);
		try {
			confirmations.confirmed("poison");
			await().atMost(Duration.ofSeconds(5)).until(() -> !calls.isEmpty());
			for (int i = 0; i < 50; i++) {
				confirmations.confirmed("job-" + i);
			}
			await().atMost(Duration.ofSeconds(5)).until(() -> this.removed.size() == 50);
			assertThat(this.removed).doesNotContain("poison").contains("job-0", "job-49");
			assertThat(calls.stream().mapToInt(Integer::intValue).sum()).isEqualTo(51);
		}
		finally {
			confirmations.destroy();
		}
	}

	@Test
	void whatIsPendingAtShutdownIsStillRemoved() throws Exception {
		willAnswer((invocation) -> {
			Thread.sleep(50); // a slow Redis: confirmations pile up behind it, so some are pending at shutdown
			this.removed.addAll(invocation.getArgument(0));
			return null;
		}).given(this.repository).sent(anyList());
		OutboxConfirmations confirmations = new OutboxConfirmations(this.repository);
		for (int i = 0; i < 20; i++) {
			confirmations.confirmed("job-" + i);
		}
		confirmations.destroy();
		assertThat(this.removed).hasSize(20);
	}

}
