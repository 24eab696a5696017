package dev.kiln.worker.job;

import java.util.List;

import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.micrometer.tracing.otel.bridge.Slf4JEventListener;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryEventPublisherBeansApplicationListener;
import org.springframework.context.support.GenericApplicationContext;

/**
 * Micrometer Tracing on the OpenTelemetry SDK, wired as Boot wires it (W3C propagation, the MDC listener), for tests
 * without the worker's Spring context; finished spans go to an {@link InMemorySpanExporter}. The MDC listener hears
 * of scopes the way it does in the worker: Boot's context-storage wrapper (installed for the whole JVM when JUnit
 * starts) passes them to the {@code OtelTracer.EventPublisher} beans of refreshed contexts, so a small context holds
 * it until {@link #close}.
 *
 * @param tracer the tracer
 * @param propagator the W3C propagator
 * @param spans the finished spans
 * @param context the context that holds the MDC listener
 */
record TestTracing(OtelTracer tracer, OtelPropagator propagator, InMemorySpanExporter spans,
		GenericApplicationContext context) implements AutoCloseable {

	static TestTracing create() {
		InMemorySpanExporter exporter = InMemorySpanExporter.create();
		ContextPropagators propagators = ContextPropagators.create(W3CTraceContextPropagator.getInstance());
		OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
			.setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
			.setPropagators(propagators)
			.build();
		io.opentelemetry.api.trace.Tracer otel = sdk.getTracer("kiln-test");
		OtelCurrentTraceContext current = new OtelCurrentTraceContext();
		Slf4JEventListener mdc = new Slf4JEventListener();
		OtelTracer.EventPublisher publisher = mdc::onEvent;
		OpenTelemetryEventPublisherBeansApplicationListener.addWrapper();
		GenericApplicationContext context = new GenericApplicationContext();
		context.registerBean(OtelTracer.EventPublisher.class, () -> publisher);
		context.addApplicationListener(new OpenTelemetryEventPublisherBeansApplicationListener());
		context.refresh();
		OtelTracer tracer = new OtelTracer(otel, current, publisher,
				new OtelBaggageManager(current, List.of(), List.of()));
		return new TestTracing(tracer, new OtelPropagator(propagators, otel), exporter, context);
	}

	@Override
	public void close() {
		this.context.close();
	}

	JobSpans jobSpans() {
		return new JobSpans(this.tracer, this.propagator);
	}

}
