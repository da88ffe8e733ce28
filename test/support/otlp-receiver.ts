import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as OTLP/HTTP JSON carries it (ids in hex), with the service that sent it. */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
type KeyValue = { key: string; value: AnyValue };
const plain = (kvs: KeyValue[] = []): Record<string, unknown> => Object.fromEntries(kvs.map(({ key, value }) => [key, value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue]));

/**
 * An OpenTelemetry collector's OTLP/HTTP trace endpoint (`POST /v1/traces`, JSON encoding, as
 * `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` sends it) on a loopback port, keeping what it receives.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json')) {
          res.writeHead(415).end();
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: Array<{ resource?: { attributes?: KeyValue[] }; scopeSpans?: Array<{ spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: KeyValue[] }> }> }>;
        };
        for (const rs of body.resourceSpans ?? []) {
          const service = String(plain(rs.resource?.attributes)['service.name']);
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) this.spans.push({ service, traceId: s.traceId, spanId: s.spanId, ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}), name: s.name, attributes: plain(s.attributes) });
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** `span` and its ancestors, nearest first, as far as they were received. */
  lineage(span: ReceivedSpan): ReceivedSpan[] {
    const out = [span];
    for (let s = span; s.parentSpanId; ) {
      const parent = this.spans.find((p) => p.traceId === s.traceId && p.spanId === s.parentSpanId);
      if (!parent) break;
      out.push(parent);
      s = parent;
    }
    return out;
  }

  async stop(): Promise<void> {
    await new Promise((done) => this.server?.close(done));
  }
}
