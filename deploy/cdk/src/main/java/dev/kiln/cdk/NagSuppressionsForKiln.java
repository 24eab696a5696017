package dev.kiln.cdk;

import software.amazon.awscdk.Stack;

/** cdk-nag suppressions, each with its reason. */
final class NagSuppressionsForKiln {

	private NagSuppressionsForKiln() {
	}

	static void apply(Stack stack) {
	}

}
