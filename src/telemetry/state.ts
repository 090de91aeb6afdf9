// Whether tracing runs in this process: read by the server, set by the SDK when it starts.

/** Tracing was started in this process (by startTelemetry, or a test's own exporter). */
export const telemetryState = { on: false };
