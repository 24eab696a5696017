package dev.kiln.advisor.cost;

import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;

import lombok.RequiredArgsConstructor;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.kiln.advisor.AdvisorProperties;

/** The unit-cost model at the configured prices: {@code GET /v1/cost?renderSeconds=1.5&imagesPerMonth=1000000}. */
@RestController
@RequiredArgsConstructor
class CostController {

	private final AdvisorProperties properties;

	@GetMapping(path = "/v1/cost", produces = MediaType.APPLICATION_JSON_VALUE)
	CostView cost(@RequestParam(required = false) @DecimalMin("0.001") Double renderSeconds,
			@RequestParam(defaultValue = "1000000") @Min(0) long imagesPerMonth) {
		double seconds = (renderSeconds != null) ? renderSeconds : this.properties.renderSeconds();
		AdvisorProperties.Prices prices = this.properties.prices();
		AdvisorProperties.Cost cost = this.properties.cost();
		CostModel onDemand = new CostModel(prices.onDemand(), seconds, cost.otherPerMillion(), cost.fixedPerMonth());
		CostModel spot = new CostModel(prices.spot(), seconds, cost.otherPerMillion(), cost.fixedPerMonth());
		return new CostView(prices.instanceType(), seconds, onDemand.gpuHoursPerMillion(),
				new CostView.Capacity(prices.onDemand(), onDemand.perImage(), onDemand.perMillion(),
						onDemand.monthlyProjection(imagesPerMonth)),
				new CostView.Capacity(prices.spot(), spot.perImage(), spot.perMillion(),
						spot.monthlyProjection(imagesPerMonth)),
				imagesPerMonth, cost.fixedPerMonth());
	}

	/**
	 * The cost model's answer.
	 *
	 * @param instanceType the priced instance type
	 * @param renderSecondsPerImage GPU seconds per image assumed
	 * @param gpuHoursPerMillion GPU hours per million images
	 * @param onDemand figures at the on-demand price
	 * @param spot figures at the spot price
	 * @param imagesPerMonth the volume projected
	 * @param fixedPerMonth fixed dollars per month included in the projections
	 */
	record CostView(String instanceType, double renderSecondsPerImage, double gpuHoursPerMillion, Capacity onDemand,
			Capacity spot, long imagesPerMonth, double fixedPerMonth) {

		/**
		 * Figures at one price.
		 *
		 * @param pricePerHour dollars per instance hour
		 * @param perImage dollars per image
		 * @param perMillion dollars per million images
		 * @param monthlyProjection dollars per month at the projected volume, fixed costs included
		 */
		record Capacity(double pricePerHour, double perImage, double perMillion, double monthlyProjection) {
		}

	}

}
