package dev.kiln.worker.render.sd;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
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
	void longPromptsComeInChunksOf75TokensEachFramedAndPadded() throws IOException {
		try (ClipTokenizer tokenizer = ClipTokenizer.load(fixture())) {
			// 100 tokens: 3, 4, 5, 6 repeated
			String prompt = "a lighthouse at dusk ".repeat(25);
			long[] tokens = tokenizer.tokens(prompt);
			assertThat(tokens).hasSize(100);
			assertThat(tokenizer.chunkCount(prompt)).isEqualTo(2);
			assertThat(tokenizer.chunkCount("")).isEqualTo(1);
			assertThat(tokenizer.chunkCount("a lighthouse at dusk ".repeat(18) + "a lighthouse at")).as("75 tokens")
				.isEqualTo(1);
			List<long[]> chunks = tokenizer.chunks(prompt, 3);
			assertThat(chunks).hasSize(3).allMatch((chunk) -> chunk.length == 77);
			// a full chunk: begin, 75 tokens, end, no padding
			assertThat(chunks.get(0)[0]).isEqualTo(BEGIN);
			assertThat(Arrays.copyOfRange(chunks.get(0), 1, 76)).containsExactly(Arrays.copyOf(tokens, 75));
			assertThat(chunks.get(0)[76]).isEqualTo(END);
			// the rest: begin, 25 tokens, end, padding
			assertThat(Arrays.copyOfRange(chunks.get(1), 1, 26)).containsExactly(Arrays.copyOfRange(tokens, 75, 100));
			assertThat(Arrays.copyOfRange(chunks.get(1), 26, 77)).containsOnly(END);
			// asked for more: an empty chunk, the same as the empty prompt's
			assertThat(chunks.get(2)).containsExactly(tokenizer.ids(""));
			// diffusers' single-chunk tokenization still cuts (the reference the export tool's tests compare with)
			assertThat(tokenizer.ids(prompt)).containsExactly(chunks.get(0));
			assertThatIllegalArgumentException().isThrownBy(() -> tokenizer.chunks(prompt, 1))
				.withMessageContaining("takes 2 chunks");
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
