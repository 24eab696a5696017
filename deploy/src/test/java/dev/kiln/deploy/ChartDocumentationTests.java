package dev.kiln.deploy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart documents itself: every value carries a {@code # --} comment (or sits under a documented map) and appears
 * in the README's values table, and NOTES.txt gives next steps and the warnings that matter.
 */
class ChartDocumentationTests {

	private static final Pattern KEY = Pattern.compile("^(\\s*)([A-Za-z0-9_.\\-/\"]+):(.*)$");

	@Test
	void everyValueIsDocumentedAndListedInTheReadme() {
		String readme = RenderedChart.read(RenderedChart.CHART.resolve("README.md"));
		List<String> undocumented = new ArrayList<>();
		List<String> unlisted = new ArrayList<>();
		Deque<Object[]> path = new ArrayDeque<>();
		boolean commented = false;
		for (String line : RenderedChart.read(RenderedChart.CHART.resolve("values.yaml")).lines().toList()) {
			String trimmed = line.strip();
			if (trimmed.isEmpty()) {
				continue;
			}
			if (trimmed.startsWith("# --")) {
				commented = true;
				continue;
			}
			if (trimmed.startsWith("#")) {
				continue;
			}
			Matcher key = KEY.matcher(line);
			if (!key.matches()) {
				continue;
			}
			int indent = key.group(1).length();
			while (!path.isEmpty() && (int) path.peekLast()[0] >= indent) {
				path.removeLast();
			}
			boolean parentDocumented = path.stream().anyMatch((entry) -> (boolean) entry[2]);
			path.addLast(new Object[] { indent, key.group(2).replace("\"", ""), commented });
			String dotted = String.join(".", path.stream().map((entry) -> (String) entry[1]).toList());
			boolean leaf = !key.group(3).isBlank();
			if (commented && !readme.contains("| `" + dotted + "` |")) {
				unlisted.add(dotted);
			}
			if (leaf && !commented && !parentDocumented) {
				undocumented.add(dotted);
			}
			commented = false;
		}
		assertThat(undocumented).as("values without a '# --' comment").isEmpty();
		assertThat(unlisted).as("documented values missing from the README table").isEmpty();
	}

	@Test
	void notesGiveNextStepsAndWarnAboutMissingRolesAndInterruptionHandling() {
		Release release = new Helm(RenderedChart.CHART).install()
			.withName(RenderedChart.RELEASE)
			.withNamespace(RenderedChart.NAMESPACE)
			.withKubeVersion("1.33.0")
			.withDryRunOption(DryRun.CLIENT)
			.clientOnly()
			.call();
		assertThat(release.getOutput()).contains("Next steps", "kubectl -n kiln-test get scaledobject kiln-worker",
				"serviceAccount.roleArn is empty", "settings.interruptionQueue", "Pin a version");
	}

	@Test
	void notesListPodIdentityAssociationsWhenPodIdentityIsUsed() {
		Release release = new Helm(RenderedChart.CHART).install()
			.withName(RenderedChart.RELEASE)
			.withNamespace(RenderedChart.NAMESPACE)
			.withKubeVersion("1.33.0")
			.withDryRunOption(DryRun.CLIENT)
			.clientOnly()
			.withValuesFile(RenderedChart.testResource("values-native-sqs.yaml"))
			.call();
		assertThat(release.getOutput()).contains("aws eks create-pod-identity-association")
			.contains("--service-account kiln-worker")
			.contains("--service-account keda-operator")
			.doesNotContain("serviceAccount.roleArn is empty")
			.contains("the HPA takes the largest metric");
	}


}
