package dev.kiln.cdk;

import java.nio.file.Path;
import java.util.List;

import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Template;

/** Synthesizes the app once per JVM (jsii starts one Node.js process; a synth takes seconds) for the tests. */
final class KilnStacks {

	static final Path CHART = Path.of(System.getProperty("kiln.chart.dir", "../helm/kiln"));

	private static Synthesized memoryDb;

	private static Synthesized elastiCache;

	private KilnStacks() {
	}

	/**
	 * One synthesized stack.
	 *
	 * @param stack the stack
	 * @param template its template
	 */
	record Synthesized(KilnStack stack, Template template) {
	}

	static KilnEnvironment environment(JobStore.Flavour jobStore) {
		return new KilnEnvironment("test", "123456789012", "us-east-1", null, "1.33", jobStore, "0.1.0",
				"bottlerocket@v1.40.0", null, CHART, List.of(), KilnEnvironment.DEFAULT_KARPENTER_VERSION,
				KilnEnvironment.DEFAULT_KEDA_VERSION);
	}

	static synchronized Synthesized memoryDb() {
		if (memoryDb == null) {
			memoryDb = synthesize(environment(JobStore.Flavour.MEMORYDB));
		}
		return memoryDb;
	}

	static synchronized Synthesized elastiCache() {
		if (elastiCache == null) {
			elastiCache = synthesize(environment(JobStore.Flavour.ELASTICACHE));
		}
		return elastiCache;
	}

	static Synthesized synthesize(KilnEnvironment environment) {
		App app = new App();
		KilnStack stack = KilnCdkApp.build(app, environment);
		return new Synthesized(stack, Template.fromStack(stack));
	}

}
