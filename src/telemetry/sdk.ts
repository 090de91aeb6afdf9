// The OpenTelemetry SDK, loaded only when tracing is on: a tracer provider with the W3C trace
// context propagator (an incoming `traceparent` continues the router's trace) and an async-local
// context, so the spans of one request nest under its HTTP span.
// Every package is imported dynamically, so the server's bundle loads none of them at start.
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { telemetryState } from './state.js';

/** Batched OTLP/HTTP export; the exporter reads OTEL_EXPORTER_OTLP_* itself. */
export async function otlpProcessor(): Promise<SpanProcessor> {
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  return new BatchSpanProcessor(new OTLPTraceExporter());
}

export async function startTracing(processor: SpanProcessor, serviceName = 'patron-records') {
  const [
    { context, propagation, trace },
    { AsyncLocalStorageContextManager },
    core,
    resources,
    sdk,
  ] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
  ]);
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [processor],
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  telemetryState.on = true;
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      telemetryState.on = false;
    },
  };
}
