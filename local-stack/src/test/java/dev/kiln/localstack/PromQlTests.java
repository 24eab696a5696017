package dev.kiln.localstack;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class PromQlTests {

	@Test
	void skipsFunctionsAggregationsLabelListsMatchersAndRanges() {
		assertThat(PromQl.metricNames("""
				histogram_quantile(0.95, sum by (le, model) (rate(kiln_worker_render_seconds_bucket{namespace=~"$namespace"}[5m])))"""))
			.containsExactly("kiln_worker_render_seconds_bucket");
	}

	@Test
	void findsEveryOperandOfBinaryOperators() {
		assertThat(PromQl.metricNames("""
				sum(rate(a_total{outcome="failed"}[10m])) / on (pod) group_left (model) sum(rate(b_total[10m])) > 0.8
				or absent(c) unless max without (lane) (d offset 5m) and e > bool 1e3"""))
			.containsExactly("a_total", "b_total", "c", "d", "e");
	}

	@Test
	void stringsMayHoldBracesAndQuotes() {
		assertThat(PromQl.metricNames("""
				count(up{job="a}\\"b", pod=~'x{1,2}'}) * $gpu_hourly_price + count(down{l=`}`})"""))
			.containsExactly("up", "down");
	}

	@Test
	void subqueriesAndColonsInRecordingRuleNames() {
		assertThat(PromQl.metricNames("max_over_time(job:kiln_jobs:rate5m[1h:5m]) - .5"))
			.containsExactly("job:kiln_jobs:rate5m");
	}

	@Test
	void unclosedMatcherIsAnError() {
		assertThatIllegalArgumentException().isThrownBy(() -> PromQl.metricNames("up{job=\"a\""));
	}

}
