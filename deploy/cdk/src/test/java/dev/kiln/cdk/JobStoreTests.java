package dev.kiln.cdk;

import java.util.List;
import java.util.Map;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.Vpc;

import static org.assertj.core.api.Assertions.assertThat;

/** The cheaper job store, ElastiCache (Valkey), in a stack of its own (the full stack tests use MemoryDB). */
class JobStoreTests {

	@Test
	void elastiCacheIsMultiAzEncryptedWithTheListpackSettingAndASecretToken() {
		App app = new App();
		Stack stack = new Stack(app, "JobStore", StackProps.builder()
			.env(Environment.builder().account("123456789012").region("us-east-1").build())
			.build());
		Vpc vpc = Vpc.Builder.create(stack, "Vpc").natGateways(1).build();
		SecurityGroup clients = SecurityGroup.Builder.create(stack, "Clients").vpc(vpc).build();
		new JobStore(stack, "JobStore", "test", JobStore.Flavour.ELASTICACHE, vpc, clients);
		NagSuppressionsForKiln.apply(stack);
		Aspects.of(app).add(new AwsSolutionsChecks());
		Template template = Template.fromStack(stack);

		template.hasResourceProperties("AWS::ElastiCache::ParameterGroup", Map.of("CacheParameterGroupFamily", "valkey8",
				"Properties", Map.of("hash-max-listpack-value", "1024")));
		template.hasResourceProperties("AWS::ElastiCache::ReplicationGroup",
				Map.of("Engine", "valkey", "NumCacheClusters", 2, "AutomaticFailoverEnabled", true, "MultiAZEnabled",
						true, "TransitEncryptionEnabled", true, "AtRestEncryptionEnabled", true, "AuthToken",
						Match.objectLike(Map.of("Fn::Join", Match.arrayWith(List.of(Match.arrayWith(
								List.of(Match.stringLikeRegexp(".*resolve:secretsmanager.*")))))))));
		template.hasResourceProperties("AWS::EC2::SecurityGroup",
				Map.of("GroupDescription", Match.stringLikeRegexp("Kiln job store.*"), "SecurityGroupIngress",
						List.of(Match.objectLike(Map.of("FromPort", JobStore.PORT, "ToPort", JobStore.PORT,
								"SourceSecurityGroupId", Match.anyValue())))));
		assertThat(Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-(AEC|SMG).*")))
			.extracting((message) -> message.getEntry().getData())
			.isEmpty();
	}

}
