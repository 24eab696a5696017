package dev.kiln.advisor.keda;

import java.util.function.Consumer;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.jspecify.annotations.Nullable;

import dev.kiln.advisor.keda.externalscaler.ExternalScalerGrpc;
import dev.kiln.advisor.keda.externalscaler.GetMetricSpecResponse;
import dev.kiln.advisor.keda.externalscaler.GetMetricsRequest;
import dev.kiln.advisor.keda.externalscaler.GetMetricsResponse;
import dev.kiln.advisor.keda.externalscaler.IsActiveResponse;
import dev.kiln.advisor.keda.externalscaler.MetricSpec;
import dev.kiln.advisor.keda.externalscaler.MetricValue;
import dev.kiln.advisor.keda.externalscaler.ScaledObjectRef;
import dev.kiln.advisor.policy.Decision;
import dev.kiln.advisor.scaling.ScalingAdvisor;

/**
 * KEDA's external scaler contract over the advisor's decisions. The metric's target is 1, so KEDA's
 * {@code ceil(value / target)} is the advisor's replica count. Without a fresh decision every call fails with
 * {@code UNAVAILABLE}, so KEDA applies the ScaledObject's {@code fallback} instead of scaling to zero.
 * {@code StreamIsActive} sends the current activity at once and then every change, as the advisor decides (every
 * poll interval), so scale-from-zero does not wait for KEDA's polling interval.
 */
class ExternalScalerService extends ExternalScalerGrpc.ExternalScalerImplBase {

	private final ScalingAdvisor advisor;

	ExternalScalerService(ScalingAdvisor advisor) {
		this.advisor = advisor;
	}

	@Override
	public void isActive(ScaledObjectRef request, StreamObserver<IsActiveResponse> responses) {
		Selection selection = select(request, responses);
		Decision decision = (selection != null) ? decision(responses) : null;
		if (selection != null && decision != null) {
			responses.onNext(IsActiveResponse.newBuilder().setResult(selection.value(decision) > 0).build());
			responses.onCompleted();
		}
	}

	@Override
	public void streamIsActive(ScaledObjectRef request, StreamObserver<IsActiveResponse> responses) {
		Selection selection = select(request, responses);
		if (selection == null) {
			return;
		}
		ServerCallStreamObserver<IsActiveResponse> stream = (ServerCallStreamObserver<IsActiveResponse>) responses;
		Object lock = new Object();
		Boolean[] last = { null };
		Consumer<Decision> listener = (decision) -> {
			boolean active = selection.value(decision) > 0;
			synchronized (lock) {
				if (stream.isCancelled() || Boolean.valueOf(active).equals(last[0])) {
					return;
				}
				last[0] = active;
				stream.onNext(IsActiveResponse.newBuilder().setResult(active).build());
			}
		};
		stream.setOnCancelHandler(() -> this.advisor.removeListener(listener));
		this.advisor.onDecision(listener);
		Decision current = this.advisor.decision();
		if (current != null) {
			listener.accept(current);
		}
	}

	@Override
	public void getMetricSpec(ScaledObjectRef request, StreamObserver<GetMetricSpecResponse> responses) {
		Selection selection = select(request, responses);
		if (selection != null) {
			responses.onNext(GetMetricSpecResponse.newBuilder()
				.addMetricSpecs(MetricSpec.newBuilder()
					.setMetricName(selection.metricName())
					.setTargetSize(1)
					.setTargetSizeFloat(1.0))
				.build());
			responses.onCompleted();
		}
	}

	@Override
	public void getMetrics(GetMetricsRequest request, StreamObserver<GetMetricsResponse> responses) {
		Selection selection = select(request.getScaledObjectRef(), responses);
		Decision decision = (selection != null) ? decision(responses) : null;
		if (selection != null && decision != null) {
			int value = selection.value(decision);
			responses.onNext(GetMetricsResponse.newBuilder()
				.addMetricValues(MetricValue.newBuilder()
					.setMetricName(selection.metricName())
					.setMetricValue(value)
					.setMetricValueFloat(value))
				.build());
			responses.onCompleted();
		}
	}

	private @Nullable Selection select(ScaledObjectRef request, StreamObserver<?> responses) {
		try {
			return Selection.from(request.getScalerMetadataMap());
		}
		catch (IllegalArgumentException ex) {
			responses.onError(Status.INVALID_ARGUMENT.withDescription(ex.getMessage()).asRuntimeException());
			return null;
		}
	}

	private @Nullable Decision decision(StreamObserver<?> responses) {
		Decision decision = this.advisor.decision();
		if (decision == null) {
			responses.onError(Status.UNAVAILABLE
				.withDescription("The advisor has no fresh reading of its inputs; apply the fallback")
				.asRuntimeException());
		}
		return decision;
	}

}
