package dev.kiln.gateway;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import dev.kiln.jobstore.JobStoreRules;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The feature packages of this service depend on each other without cycles.
 * Only the job store writes job keys or runs Lua (issue 16). The job package names no HTTP statuses: it throws
 * domain exceptions and the web package's problem handler chooses their statuses (issue 16).
 */
class ArchitectureTests {

	private final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.kiln.gateway");

	@Test
	void featurePackagesAreFreeOfCycles() {
		slices().matching("dev.kiln.gateway.(*)..").should().beFreeOfCycles().check(this.classes);
	}

	@Test
	void onlyTheJobStoreWritesJobKeys() {
		JobStoreRules.NO_JOB_KEY_WRITES_OUTSIDE_THE_STORE.check(this.classes);
		JobStoreRules.NO_LUA_OUTSIDE_THE_STORE.check(this.classes);
	}

	@Test
	void theJobPackageLeavesHttpStatusesToTheProblemHandler() {
		noClasses().that()
			.resideInAPackage("..job..")
			.should()
			.dependOnClassesThat()
			.haveFullyQualifiedName("org.springframework.http.HttpStatus")
			.check(this.classes);
	}

}
