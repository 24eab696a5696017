package dev.kiln.advisor.cost;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The seed figures in REFERENCE.md, reproduced from their stated inputs. */
class CostModelTests {

	private static final Offset<Double> CENT = Offset.offset(0.005);

	@Test
	void reproducesAwsStableDiffusionOnEksPerMillion() {
		// 1M images x 1.5 s = 416.67 GPU-h x $0.4968 = $207 EC2, + $19.18 other services = $226.18 per 1M
		CostModel model = new CostModel(0.4968, 1.5, 19.18, 0);
		assertThat(model.gpuHoursPerMillion()).isCloseTo(416.67, CENT);
		assertThat(model.gpuPerMillion()).isCloseTo(207.00, CENT);
		assertThat(model.perMillion()).isCloseTo(226.18, CENT);
		assertThat(model.perImage()).isCloseTo(0.00022618, Offset.offset(1e-9));
	}

	@Test
	void reproducesAwsStableDiffusionOnEksFixedMonthly() {
		// EKS control plane $0.10/h = $72 + m5.large $0.192/h = $138.24 -> $210.24 per month
		double fixed = CostModel.monthly(0.10) + CostModel.monthly(0.192);
		assertThat(CostModel.monthly(0.10)).isCloseTo(72.00, CENT);
		assertThat(CostModel.monthly(0.192)).isCloseTo(138.24, CENT);
		assertThat(fixed).isCloseTo(210.24, CENT);
		CostModel model = new CostModel(0.4968, 1.5, 19.18, fixed);
		assertThat(model.monthlyProjection(1_000_000)).isCloseTo(436.42, CENT);
		assertThat(model.monthlyProjection(0)).isCloseTo(210.24, CENT);
	}

	@Test
	void reproducesWan22AlwaysOn() {
		// always-on 2 x g5.xlarge ($1.006/h) = $1,448.64, which the design rounds to $1,450 per month
		double alwaysOn = 2 * CostModel.monthly(1.006);
		assertThat(alwaysOn).isCloseTo(1448.64, CENT);
		assertThat(Math.round(alwaysOn / 50) * 50).isEqualTo(1450);
	}

	@Test
	void dollarsPerMillionOfARun() {
		assertThat(CostModel.perMillion(4.5, 20_000)).isCloseTo(225.0, CENT);
		assertThat(CostModel.perMillion(4.5, 0)).isNaN();
	}

	@Test
	void attributesAJobItsShareOfTheHourlyPrice() {
		assertThat(CostModel.attributed(1.5, 1.006)).isCloseTo(0.000419, Offset.offset(1e-6));
		assertThat(CostModel.attributed(3600, 0.35)).isCloseTo(0.35, CENT);
	}

	@Test
	void refusesNonsense() {
		assertThatIllegalArgumentException().isThrownBy(() -> new CostModel(1, 0, 0, 0));
		assertThatIllegalArgumentException().isThrownBy(() -> new CostModel(-1, 1, 0, 0));
	}

}
