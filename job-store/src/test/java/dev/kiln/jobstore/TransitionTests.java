package dev.kiln.jobstore;

import org.junit.jupiter.api.Test;

import dev.kiln.contract.JobState;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class TransitionTests {

	@Test
	void parsesEveryAnswerOfTheScripts() {
		assertThat(Transition.parse("QUEUED>CANCELLED")).isEqualTo(new Transition.Moved(JobState.QUEUED, JobState.CANCELLED));
		assertThat(Transition.parse("ignored:stale-attempt")).isEqualTo(new Transition.Ignored("stale-attempt"));
		assertThat(Transition.parse("requested")).isInstanceOf(Transition.CancelRequested.class);
		assertThat(Transition.parse("withdrawn")).isInstanceOf(Transition.Withdrawn.class);
		assertThatIllegalStateException().isThrownBy(() -> Transition.parse("what"));
	}

	@Test
	void printsAsTheScriptsAnswer() {
		assertThat(Transition.parse("RUNNING>SUCCEEDED")).hasToString("RUNNING>SUCCEEDED");
		assertThat(Transition.parse("ignored:terminal")).hasToString("ignored:terminal");
	}

	@Test
	void onlyAMoveIntoATerminalStateFinishesAJob() {
		assertThat(Transition.parse("RUNNING>FAILED").finishedJob()).isTrue();
		assertThat(Transition.parse("RUNNING>RUNNING").finishedJob()).isFalse();
		assertThat(Transition.parse("FAILED>QUEUED").finishedJob()).isFalse();
		assertThat(Transition.parse("RUNNING>RETRYING").movedTo(JobState.RETRYING)).isTrue();
		assertThat(Transition.parse("RETRYING>RETRYING").movedTo(JobState.RETRYING)).isFalse();
	}

}
