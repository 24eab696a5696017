package dev.kiln.chaos;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import dev.kiln.jobstore.JobStoreRules;

/**
 * Only the job store writes job keys or runs Lua (issue 16), in the harness as in the services: the chaos code reads
 * job keys and writes jobs through {@code JobStore} or the services' APIs.
 */
class ArchitectureTests {

	private final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.kiln.chaos");

	@Test
	void onlyTheJobStoreWritesJobKeys() {
		JobStoreRules.NO_JOB_KEY_WRITES_OUTSIDE_THE_STORE.check(this.classes);
		JobStoreRules.NO_LUA_OUTSIDE_THE_STORE.check(this.classes);
	}

}
