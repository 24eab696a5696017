package dev.kiln.cdk;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;

/**
 * The CDK app: {@code cdk synth}/{@code cdk deploy} run {@link #main} (see {@code cdk.json}). One stack per named
 * environment, read from the context; cdk-nag's AwsSolutions pack checks it on synth, and every rule it suppresses
 * carries its reason ({@link NagSuppressionsForKiln}).
 */
public final class KilnCdkApp {

	private KilnCdkApp() {
	}

	public static void main(String[] args) {
		App app = new App();
		build(app, KilnEnvironment.fromContext(app.getNode()));
		app.synth();
	}

	/**
	 * Adds the environment's stack and the cdk-nag checks to an app; the tests call this with their own app.
	 * @param app the app
	 * @param environment the environment
	 * @return the stack
	 */
	static KilnStack build(App app, KilnEnvironment environment) {
		KilnTopology topology = KilnTopology.of(environment.topologyArguments());
		KilnStack stack = new KilnStack(app, "Kiln-" + environment.name(), environment, topology);
		NagSuppressionsForKiln.apply(stack);
		Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
		return stack;
	}

}
