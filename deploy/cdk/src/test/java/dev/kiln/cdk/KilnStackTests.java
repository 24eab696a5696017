package dev.kiln.cdk;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.cxapi.SynthesisMessage;

import static org.assertj.core.api.Assertions.assertThat;

class KilnStackTests {

	@Test
	void synthesizesWithoutUnsuppressedNagErrors() {
		long start = System.nanoTime();
		KilnStacks.Synthesized synthesized = KilnStacks.memoryDb();
		System.out.printf("synth: %.1f s%n", (System.nanoTime() - start) / 1e9);
		List<SynthesisMessage> errors = Annotations.fromStack(synthesized.stack())
			.findError("*", Match.stringLikeRegexp("AwsSolutions-.*"));
		assertThat(errors).extracting((message) -> message.getId() + " " + message.getEntry().getData())
			.isEmpty();
	}

}
