package dev.kiln.cdk;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.ecr.LifecycleRule;
import software.amazon.awscdk.services.ecr.Repository;
import software.amazon.awscdk.services.ecr.TagMutability;
import software.constructs.Construct;

/**
 * One ECR repository per Kiln image, named as the chart's {@code <component>.image.repository} defaults, so the chart
 * needs only {@code image.registry}. Tags are immutable (the chart refuses {@code latest}; a tag names one build),
 * images are scanned on push, and untagged images expire.
 */
final class EcrRepositories extends Construct {

	/** The repositories, as the chart's values.yaml names them. */
	static final List<String> NAMES = List.of("kiln/gateway-service", "kiln/queue-service", "kiln/autoscale-advisor",
			"kiln/generation-worker-cu128");

	/** The worker's GPU image (the one the data-volume snapshot pre-pulls). */
	static final String WORKER = "kiln/generation-worker-cu128";

	private final Map<String, Repository> repositories = new LinkedHashMap<>();

	EcrRepositories(Construct scope, String id) {
		super(scope, id);
		for (String name : NAMES) {
			this.repositories.put(name, Repository.Builder.create(this, name.substring(name.indexOf('/') + 1))
				.repositoryName(name)
				.imageTagMutability(TagMutability.IMMUTABLE)
				.imageScanOnPush(true)
				.lifecycleRules(List.of(LifecycleRule.builder()
					.description("Untagged images go after 14 days")
					.tagStatus(software.amazon.awscdk.services.ecr.TagStatus.UNTAGGED)
					.maxImageAge(software.amazon.awscdk.Duration.days(14))
					.build()))
				.removalPolicy(RemovalPolicy.RETAIN)
				.build());
		}
	}

	/** The registry prefix the chart puts before every repository, with the trailing slash. */
	String registry() {
		Stack stack = Stack.of(this);
		return stack.getAccount() + ".dkr.ecr." + stack.getRegion() + "." + stack.getUrlSuffix() + "/";
	}

	Repository repository(String name) {
		return this.repositories.get(name);
	}

}
