// OpenTelemetry tracing, off unless the standard OTEL_* variables ask for it. Nothing here imports
// OpenTelemetry: the SDK (./sdk.ts) and the instrumentation (./instrument.ts) are loaded by
// dynamic import only when tracing is on, so a server without it starts and runs as before.

/** OTLP export asked for by the standard variables (OTEL_SDK_DISABLED and `none` win). */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (env.OTEL_SDK_DISABLED === 'true' || exporter === 'none') return false;
  return (
    exporter === 'otlp' ||
    Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  );
}

/** Starts OTLP export when asked for; returns how to flush it at shutdown, or undefined when off. */
export async function startTelemetry(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ shutdown(): Promise<void> } | undefined> {
  if (!tracingRequested(env)) return undefined;
  const { startTracing, otlpProcessor } = await import('./sdk.js');
  return startTracing(await otlpProcessor(), env.OTEL_SERVICE_NAME);
}
