package dev.kiln.jobstore;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import dev.kiln.fixture.jobkeys.BadJobWriter;
import dev.kiln.fixture.jobkeys.BadLettuceWriter;
import dev.kiln.fixture.jobkeys.BadLuaRunner;
import dev.kiln.fixture.jobkeys.BadPipelinedWriter;
import dev.kiln.fixture.jobkeys.GoodJobReader;

import static org.assertj.core.api.Assertions.assertThat;

/** The rules fail on deliberately bad classes (test fixtures outside the store) and pass the store itself. */
class JobStoreRulesTests {

	@Test
	void aClassOutsideTheStoreThatWritesAJobKeyBreaksTheRule() {
		JavaClasses classes = new ClassFileImporter().importClasses(BadJobWriter.class);
		assertThat(JobStoreRules.NO_JOB_KEY_WRITES_OUTSIDE_THE_STORE.evaluate(classes).getFailureReport().getDetails())
			.singleElement()
			.asString()
			.contains("BadJobWriter.markFailed", "names a job key and writes to Redis", "HashOperations.put");
	}

	@Test
	void aWriteInsideAPipelineCallbackBreaksTheRuleAndAReadDoesNot() {
		JavaClasses classes = new ClassFileImporter().importClasses(BadPipelinedWriter.class);
		assertThat(JobStoreRules.NO_JOB_KEY_WRITES_OUTSIDE_THE_STORE.evaluate(classes).getFailureReport().getDetails())
			.singleElement()
			.asString()
			.contains("hSet")
			.doesNotContain("hGet");
	}

	@Test
	void aWriteThroughALettuceConnectionBreaksTheRuleAndAReadDoesNot() {
		JavaClasses classes = new ClassFileImporter().importClasses(BadLettuceWriter.class);
		assertThat(JobStoreRules.NO_JOB_KEY_WRITES_OUTSIDE_THE_STORE.evaluate(classes).getFailureReport().getDetails())
			.hasSize(2)
			.anySatisfy((detail) -> assertThat(detail).contains("BadLettuceWriter.fail", "RedisCommands.hset"))
			.anySatisfy((detail) -> assertThat(detail).contains("BadLettuceWriter.enqueue", "RedisAsyncCommands.zadd"))
			.noneSatisfy((detail) -> assertThat(detail).contains("BadLettuceWriter.read"));
	}

	@Test
	void aClassOutsideTheStoreThatRunsLuaBreaksTheRule() {
		JavaClasses classes = new ClassFileImporter().importClasses(BadLuaRunner.class);
		assertThat(JobStoreRules.NO_LUA_OUTSIDE_THE_STORE.evaluate(classes).hasViolation()).isTrue();
	}

	@Test
	void readingAJobAndWritingAnotherKeyElsewhereIsAllowed() {
		JavaClasses classes = new ClassFileImporter().importClasses(GoodJobReader.class);
		assertThat(JobStoreRules.NO_JOB_KEY_WRITES_OUTSIDE_THE_STORE.evaluate(classes).hasViolation()).isFalse();
		assertThat(JobStoreRules.NO_LUA_OUTSIDE_THE_STORE.evaluate(classes).hasViolation()).isFalse();
	}

	@Test
	void theStoreItselfMayDoBoth() {
		JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
			.importPackages("dev.kiln.jobstore");
		assertThat(classes.contain(JobStore.class)).isTrue();
		JobStoreRules.NO_JOB_KEY_WRITES_OUTSIDE_THE_STORE.check(classes);
		JobStoreRules.NO_LUA_OUTSIDE_THE_STORE.check(classes);
	}

}
