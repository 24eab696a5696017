package dev.kiln.worker.render.sd;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

class ClipTokenizerTests {

	// ids in the fixture src/test/resources/sd/tokenizer.json
	private static final long BEGIN = 0;

	private static final long END = 1;

	private static final long EXCLAMATION = 7;

	static Path fixture() {
		try {
			return Path.of(ClipTokenizerTests.class.getResource("/sd/tokenizer.json").toURI());
		}
		catch (URISyntaxException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Test
	void framesPromptWithBeginAndEndAndPadsWithEndOfText() throws IOException {
		try (ClipTokenizer tokenizer = ClipTokenizer.load(fixture())) {
			long[] ids = tokenizer.ids("A Lighthouse at dusk");
			assertThat(ids).hasSize(77);
			assertThat(Arrays.copyOf(ids, 6)).containsExactly(BEGIN, 3, 4, 5, 6, END);
			assertThat(Arrays.copyOfRange(ids, 6, 77)).containsOnly(END);
			assertThat(tokenizer.padId()).isEqualTo(END);
		}
	}

	@Test
	void emptyPromptIsBeginAndEndOnly() throws IOException {
		try (ClipTokenizer tokenizer = ClipTokenizer.load(fixture())) {
			long[] ids = tokenizer.ids("");
			assertThat(ids[0]).isEqualTo(BEGIN);
			assertThat(Arrays.copyOfRange(ids, 1, 77)).containsOnly(END);
		}
	}

	@Test
	void longPromptIsCutToSeventyFiveTokens() throws IOException {
		try (ClipTokenizer tokenizer = ClipTokenizer.load(fixture())) {
			long[] ids = tokenizer.ids("dusk ".repeat(100));
			assertThat(ids).hasSize(77);
			assertThat(ids[0]).isEqualTo(BEGIN);
			assertThat(Arrays.copyOfRange(ids, 1, 76)).containsOnly(6L);
			assertThat(ids[76]).isEqualTo(END);
		}
	}

	@Test
	void padTokenComesFromSpecialTokensMapWhenPresent(@TempDir Path directory) throws IOException {
		Path file = Files.copy(fixture(), directory.resolve("tokenizer.json"));
		Files.writeString(directory.resolve("special_tokens_map.json"),
				"{\"pad_token\": {\"content\": \"!\", \"normalized\": false}}");
		try (ClipTokenizer tokenizer = ClipTokenizer.load(file)) {
			assertThat(tokenizer.padId()).isEqualTo(EXCLAMATION);
			long[] ids = tokenizer.ids("dusk");
			assertThat(Arrays.copyOf(ids, 3)).containsExactly(BEGIN, 6, END);
			assertThat(Arrays.copyOfRange(ids, 3, 77)).containsOnly(EXCLAMATION);
		}
	}

	@Test
	void tokenizerWithoutClipSpecialTokensIsRefused(@TempDir Path directory) throws IOException {
		Path file = directory.resolve("tokenizer.json");
		Files.writeString(file, Files.readString(fixture()).replace("<|startoftext|>", "[CLS]"));
		assertThatIOException().isThrownBy(() -> ClipTokenizer.load(file))
			.withMessageContaining("has no <|startoftext|> token");
	}

	@Test
	void invalidTokenizerFileIsRefused(@TempDir Path directory) throws IOException {
		Path file = Files.writeString(directory.resolve("tokenizer.json"), "{\"model\": 3}");
		assertThatIOException().isThrownBy(() -> ClipTokenizer.load(file))
			.withMessageContaining("is not a valid Hugging Face tokenizer.json");
		Path notJson = Files.writeString(directory.resolve("other.json"), "not json at all {");
		assertThatIOException().isThrownBy(() -> ClipTokenizer.load(notJson)).withMessageStartingWith(notJson.toString());
	}

}
