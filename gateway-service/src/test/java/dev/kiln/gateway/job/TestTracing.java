package dev.kiln.gateway.job;

import java.util.List;

import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.micrometer.tracing.propagation.Propagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

/**
 * Micrometer Tracing on the OpenTelemetry SDK, as Boot wires it (W3C propagation, every trace sampled), with the
 * finished spans kept in memory.
 */
final class TestTracing {

	final InMemorySpanExporter spans = InMemorySpanExporter.create();

	final Tracer tracer;

	final Propagator propagator;

	TestTracing() {
		SdkTracerProvider provider = SdkTracerProvider.builder()
			.addSpanProcessor(SimpleSpanProcessor.create(this.spans))
			.build();
		io.opentelemetry.api.trace.Tracer otel = provider.get("kiln-test");
		this.tracer = new OtelTracer(otel, new OtelCurrentTraceContext(), (event) -> {
		});
		this.propagator = new OtelPropagator(ContextPropagators.create(W3CTraceContextPropagator.getInstance()), otel);
	}

	JobTracing jobTracing() {
		return new JobTracing(this.tracer, this.propagator);
	}

	static JobTracing none() {
		return new JobTracing(Tracer.NOOP, Propagator.NOOP);
	}

	List<SpanData> finished() {
		return this.spans.getFinishedSpanItems();
	}

	SpanData span(String name) {
		return finished().stream()
			.filter((span) -> span.getName().equals(name))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No span " + name + " in " + finished()));
	}

}
