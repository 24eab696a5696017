package dev.kiln.worker;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/** The feature packages of this service depend on each other without cycles. */
class ArchitectureTests {

	private final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.kiln.worker");

	@Test
	void featurePackagesAreFreeOfCycles() {
		slices().matching("dev.kiln.worker.(*)..").should().beFreeOfCycles().check(this.classes);
	}

}
