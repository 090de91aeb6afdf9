// The OpenTelemetry SDK, loaded only when tracing is on: a tracer provider with the W3C trace
// context propagator (an incoming `traceparent` continues the router's trace) and an async-local
// context, so the spans of one request nest under its HTTP span.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { telemetryState } from './index.js';

/** Batched OTLP/HTTP export; the exporter reads OTEL_EXPORTER_OTLP_* itself. */
export async function otlpProcessor(): Promise<SpanProcessor> {
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return new BatchSpanProcessor(new OTLPTraceExporter());
}

export function startTracing(processor: SpanProcessor, serviceName = 'patron-records') {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [processor],
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
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
