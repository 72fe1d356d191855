"""Seeing what the services do: request ids, Prometheus metrics and OpenTelemetry traces, in one place.

- `context`: the request id of the call being served (accepted from `x-request-id` or made), put into every
  log line with the trace id, passed along every outgoing gRPC call, and quoted in error responses.
- `metrics`: the Prometheus registry, the standard gRPC server/client metric names, and each service's own
  figures; served on `/metrics` by `serve_metrics`.
- `tracing`: OpenTelemetry with the OTLP exporter when `OTEL_EXPORTER_OTLP_ENDPOINT` (the standard
  variables) is set; off otherwise.
- `interceptors`: the server interceptor that ties the three to every RPC, and the client interceptor.
"""
