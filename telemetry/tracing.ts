import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResourcesSync, envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
// The header the SDK's interceptors carry a trace in, for the one call Klaxon makes on the raw service.
import { headersWithContext } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import type { Headers } from '@temporalio/common';
import { ConfigError } from '../core/shared/config-error';

/**
 * OpenTelemetry traces, configured only by the standard variables: on when
 * OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set and
 * OTEL_TRACES_EXPORTER is not "none"; OTEL_EXPORTER_OTLP_PROTOCOL picks http/protobuf (the
 * default) or http/json; OTEL_SERVICE_NAME names the process. Off, nothing of this runs: no
 * provider, no interceptor, no span on the hot path.
 *
 * On, one trace runs from an alert's POST (the API's server span) through signal-with-start
 * (the Temporal client interceptor), the workflow task and the activities that page (the
 * worker plugin's interceptors), since the SDK carries the context in Temporal's headers.
 */
let tracing: { provider: NodeTracerProvider; plugin: OpenTelemetryPlugin } | undefined;

const PROTOCOLS = ['http/protobuf', 'http/json'];

/** Whether the environment asks for traces; ConfigError when it asks for a protocol Klaxon does not speak. */
export function tracingWanted(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_TRACES_EXPORTER === 'none') return false;
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return false;
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  if (!PROTOCOLS.includes(protocol)) {
    throw new ConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL "${protocol}" is not one Klaxon exports traces with: ${PROTOCOLS.join(' or ')} (to an OpenTelemetry Collector's OTLP/HTTP port, 4318)`);
  }
  return true;
}

/**
 * Starts tracing for this process when the environment asks for it (once; later calls keep the
 * first). `serviceName` names the process unless OTEL_SERVICE_NAME does.
 */
export function startTracing(env: NodeJS.ProcessEnv, serviceName: string): boolean {
  if (tracing) return true;
  if (!tracingWanted(env)) return false;
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  // The exporters read the endpoint, headers and timeout from the OTEL_* variables themselves.
  const exporter: SpanExporter = protocol === 'http/json' ? new JsonExporter() : new ProtobufExporter();
  const resource = new Resource({ 'service.name': serviceName }).merge(detectResourcesSync({ detectors: [envDetectorSync] }));
  const spanProcessor = new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  tracing = { provider, plugin: new OpenTelemetryPlugin({ resource, spanProcessor }) };
  return true;
}

/** The Temporal plugin (client and worker interceptors, workflow span sink) when tracing is on; none otherwise. */
export const tracingPlugins = (): OpenTelemetryPlugin[] => (tracing ? [tracing.plugin] : []);

/**
 * What a worker adds when tracing is on: the plugin, and the workflow module that keeps the
 * sandbox's trace context live only during its workflow's activations (telemetry/workflow-context.ts,
 * the tail it removes is described there). Nothing when off.
 */
export function tracingWorkerOptions(): { plugins?: OpenTelemetryPlugin[]; interceptors?: { workflowModules: string[] } } {
  if (!tracing) return {};
  return { plugins: [tracing.plugin], interceptors: { workflowModules: [require.resolve('./workflow-context')] } };
}

/** Sends the spans still buffered (before the process ends). */
export async function stopTracing(): Promise<void> {
  await tracing?.provider.shutdown();
  tracing = undefined;
}

/**
 * Runs `work` inside a server span for one HTTP request (named by its route template once
 * known, never by its path), so whatever it calls through Temporal joins the trace. Without
 * tracing, `work` runs as is. `parent` continues another trace (an incident's, for Slack and
 * PagerDuty webhooks); an incoming `traceparent` from outside is not trusted as a parent.
 */
export function withServerSpan<T>(method: string, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!tracing) return work(undefined);
  const tracer = trace.getTracer('klaxon-api');
  return tracer.startActiveSpan(`${method}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, async (span) => {
    try {
      return await work(span);
    } finally {
      span.end();
    }
  });
}

/** Names a server span by its route and records the answer's status. */
export function describeServerSpan(span: Span | undefined, method: string, route: string, status: number): void {
  if (!span) return;
  span.updateName(`${method} ${route}`);
  span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
}

/** The W3C `traceparent` of the active span, to keep with an incident so later webhooks continue its trace. */
export function activeTraceparent(): string | undefined {
  if (!tracing) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** Whether tracing is on in this process (a caller may skip what only tracing needs). */
export const tracingOn = (): boolean => Boolean(tracing);

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * Runs `work` in a span of the incident's own trace (`traceparent`, kept when its first alert
 * opened it), linked to the request that asked for it: a responder's acknowledgement from Slack
 * or PagerDuty continues the trace of the alert, and the request's trace still finds it.
 */
export function continuingTrace<T>(traceparent: string | undefined, name: string, work: () => Promise<T>): Promise<T> {
  if (!tracing || !traceparent || !TRACEPARENT.test(traceparent)) return work();
  const request = trace.getActiveSpan()?.spanContext();
  const parent: Context = propagation.extract(context.active(), { traceparent });
  return trace.getTracer('klaxon-api').startActiveSpan(name, { kind: SpanKind.INTERNAL, ...(request ? { links: [{ context: request }] } : {}) }, parent, async (span) => {
    try {
      return await work();
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The trace id of the active span, for log lines (none without tracing). */
export function activeTraceId(): string | undefined {
  if (!tracing) return undefined;
  return trace.getActiveSpan()?.spanContext().traceId;
}

/**
 * A call on Temporal's raw service (which the client's interceptors do not see) in a client
 * span, handed the header that carries the trace into the workflow, as the SDK's own calls
 * carry it. Without tracing, `work` gets no header.
 */
export function withTemporalCallSpan<T>(name: string, work: (header?: { fields: Headers }) => Promise<T>): Promise<T> {
  if (!tracing) return work(undefined);
  return trace.getTracer('klaxon-api').startActiveSpan(name, { kind: SpanKind.CLIENT }, async (span) => {
    try {
      return await work({ fields: headersWithContext({}) });
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}
