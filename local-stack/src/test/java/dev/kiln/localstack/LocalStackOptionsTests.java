package dev.kiln.localstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class LocalStackOptionsTests {

	@Test
	void defaultsAreTheDocumentedPorts() {
		LocalStackOptions options = LocalStackOptions.parse();
		assertThat(options.gatewayPort()).isEqualTo(8080);
		assertThat(options.advisorGrpcPort()).isEqualTo(9090);
		assertThat(options.sqsPort()).isEqualTo(9324);
		assertThat(options.redisPort()).isEqualTo(6379);
		assertThat(options.prompt()).isNull();
		assertThat(options.workDirectory()).isEqualTo(Path.of("kiln-local"));
		assertThat(options.exportedModel()).isNull();
		assertThat(options.model()).as("the gateway's default model").isNull();
	}

	@Test
	void readsBothOptionForms() {
		LocalStackOptions options = LocalStackOptions.parse("--prompt", "a red fox", "--gateway-port=9000", "--seed",
				"12", "--width=256");
		assertThat(options.prompt()).isEqualTo("a red fox");
		assertThat(options.gatewayPort()).isEqualTo(9000);
		assertThat(options.seed()).isEqualTo(12L);
		assertThat(options.width()).isEqualTo(256);
		assertThat(options.verbose()).isFalse();
	}

	@Test
	void verboseIsAFlagWithoutAValue() {
		LocalStackOptions options = LocalStackOptions.parse("--verbose", "--prompt", "a red fox");
		assertThat(options.verbose()).isTrue();
		assertThat(options.prompt()).isEqualTo("a red fox");
	}

	@Test
	void unknownOptionsAndBadNumbersAreNamed() {
		assertThatIllegalArgumentException().isThrownBy(() -> LocalStackOptions.parse("--colour", "red"))
			.withMessage("Unknown option --colour");
		assertThatIllegalArgumentException().isThrownBy(() -> LocalStackOptions.parse("--s3-port", "abc"))
			.withMessage("--s3-port must be a whole number, got 'abc'");
		assertThatIllegalArgumentException().isThrownBy(() -> LocalStackOptions.parse("--redis-port", "70000"))
			.withMessageContaining("between 0 and 65535");
		assertThatIllegalArgumentException().isThrownBy(() -> LocalStackOptions.parse("--prompt"))
			.withMessage("Option --prompt needs a value");
	}

	@Test
	void aModelDirThatIsNotAnExportedModelIsOneLineNamingWhatIsWrong(@TempDir Path work) throws IOException {
		Path missing = work.resolve("missing");
		assertThatExceptionOfType(ExportedModel.InvalidModelDirectoryException.class)
			.isThrownBy(() -> LocalStackOptions.parse("--model-dir", missing.toString()))
			.withMessage("--model-dir " + missing + ": no such folder");

		Path empty = Files.createDirectories(work.resolve("sd15"));
		assertThatExceptionOfType(ExportedModel.InvalidModelDirectoryException.class)
			.isThrownBy(() -> LocalStackOptions.parse("--model-dir", empty.toString()))
			.withMessageStartingWith("--model-dir " + empty + ": no kiln-model.json in it; export a model into it "
					+ "with tools/export-model/export.py");

		Path file = Files.writeString(work.resolve("weights.bin"), "x");
		assertThatExceptionOfType(ExportedModel.InvalidModelDirectoryException.class)
			.isThrownBy(() -> LocalStackOptions.parse("--model-dir", file.toString()))
			.withMessageStartingWith("--model-dir " + file + ": not a folder");

		Files.writeString(empty.resolve("kiln-model.json"), "{\"schema_version\": 1}");
		assertThatExceptionOfType(ExportedModel.InvalidModelDirectoryException.class)
			.isThrownBy(() -> LocalStackOptions.parse("--model-dir", empty.toString()))
			.withMessageStartingWith("--model-dir " + empty + ": invalid kiln-model.json: ")
			.withMessageNotContaining("\n");

		Files.writeString(empty.resolve("kiln-model.json"), "{not json");
		assertThatExceptionOfType(ExportedModel.InvalidModelDirectoryException.class)
			.isThrownBy(() -> LocalStackOptions.parse("--model-dir", empty.toString()))
			.withMessageStartingWith("--model-dir " + empty + ": invalid kiln-model.json: ")
			.withMessageNotContaining("\n");
	}

	@Test
	void modelMustBeAModelId() {
		assertThatIllegalArgumentException().isThrownBy(() -> LocalStackOptions.parse("--model", "SD 1.5"))
			.withMessageStartingWith("--model must be a model id");
		assertThat(LocalStackOptions.parse("--model", "kiln-builtin").model()).isEqualTo("kiln-builtin");
	}

}
