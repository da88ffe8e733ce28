import { EventEmitter, once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, register } from './teardown';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  /** performance.now() when the request was answered. */
  at: number;
}

interface StoredMessage {
  ts: string;
  channel: string;
  text: string;
  blocks: unknown[];
  metadata?: unknown;
  thread_ts?: string;
}

/**
 * A local server that answers the Slack Web API methods Klaxon calls, as Slack does:
 * `POST /api/<method>` with a bearer token and a form or JSON body, answering
 * `{ ok, … }` with HTTP 200 (errors are `ok: false` with an error code).
 */
export class SlackStandIn extends EventEmitter {
  readonly calls: SlackCall[] = [];
  readonly messages = new Map<string, StoredMessage>();
  /** When set, answers the next N calls of that method with HTTP 429 and Retry-After (seconds), as Slack rate-limits. */
  readonly rateLimits = new Map<string, { retryAfter: number; remaining: number }>();
  /** When set, carries out the next N calls of that method but drops the connection instead of answering (a lost answer). */
  readonly lostAnswers = new Map<string, number>();
  /** Channels by id, as conversations.create made them (tests may add others). */
  readonly channels = new Map<string, { id: string; name: string; purpose: string; members: string[]; pins: string[] }>();
  /** Modals opened with views.open. */
  readonly views: Array<Record<string, unknown>> = [];
  /** Until this time (Date.now()), every call is answered with this HTTP status (429 with Retry-After: 1), as Slack in an outage. */
  outage?: { until: number; status: number };
  /** Calls answered with the outage's status. */
  refusedInOutage = 0;
  /** When set, answers the next N calls of that method with this error. */
  readonly failures = new Map<string, { error: string; remaining: number }>();
  private server?: Server;
  private seq = 0;

  constructor(readonly token: string) {
    super();
  }

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}/api/`;
  }

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0];
      const args = (req.headers['content-type'] ?? '').includes('json') ? JSON.parse(raw || '{}') : this.formArgs(raw);
      const answer = (body: Record<string, unknown>) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${this.token}`) return answer({ ok: false, error: 'invalid_auth' });
      const call = { method, args, at: performance.now() };
      this.calls.push(call);
      if (this.outage && Date.now() < this.outage.until) {
        this.refusedInOutage += 1;
        res.writeHead(this.outage.status, { 'content-type': 'application/json', ...(this.outage.status === 429 ? { 'retry-after': '1' } : {}) });
        return res.end(JSON.stringify({ ok: false, error: this.outage.status === 429 ? 'ratelimited' : 'service_unavailable' }));
      }
      const limit = this.rateLimits.get(method);
      if (limit && limit.remaining > 0) {
        limit.remaining -= 1;
        res.writeHead(429, { 'retry-after': String(limit.retryAfter), 'content-type': 'application/json' });
        return res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      }
      const failure = this.failures.get(method);
      if (failure && failure.remaining > 0) {
        failure.remaining -= 1;
        return answer({ ok: false, error: failure.error });
      }
      const result = this.handle(method, args);
      const lost = this.lostAnswers.get(method) ?? 0;
      if (lost > 0) {
        this.lostAnswers.set(method, lost - 1);
        return req.socket.destroy();
      }
      answer(result);
      // Emitted once answered, so a listener sees what the caller sees.
      this.emit('call', call);
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    register(() => this.stop());
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** The web-api client sends arrays and objects as JSON strings inside the form. */
  private formArgs(raw: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(raw)) {
      out[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
    }
    return out;
  }

  private handle(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const channelId = (name: unknown) => (String(name).startsWith('#') ? 'C0INCIDENTS' : String(name));
    switch (method) {
      case 'chat.postMessage': {
        const ts = `1700000000.${String(++this.seq).padStart(6, '0')}`;
        const message = {
          ts, channel: channelId(args.channel), text: String(args.text ?? ''), blocks: (args.blocks as unknown[]) ?? [], metadata: args.metadata,
          ...(args.thread_ts ? { thread_ts: String(args.thread_ts) } : {}),
        };
        this.messages.set(ts, message);
        return { ok: true, channel: message.channel, ts, message };
      }
      case 'chat.update': {
        const existing = this.messages.get(String(args.ts));
        if (!existing) return { ok: false, error: 'message_not_found' };
        Object.assign(existing, { text: String(args.text ?? ''), blocks: (args.blocks as unknown[]) ?? [] });
        return { ok: true, channel: existing.channel, ts: existing.ts, text: existing.text };
      }
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args.users).slice(1)}` } };
      case 'conversations.create': {
        const name = String(args.name);
        if (!/^[a-z0-9_-]{1,80}$/.test(name)) return { ok: false, error: 'invalid_name_specials' };
        if ([...this.channels.values()].some((c) => c.name === name)) return { ok: false, error: 'name_taken' };
        const id = `C${String(this.channels.size + 1).padStart(8, '0')}`;
        this.channels.set(id, { id, name, purpose: '', members: [], pins: [] });
        return { ok: true, channel: { id, name } };
      }
      case 'conversations.setPurpose': {
        const ch = this.channels.get(String(args.channel));
        if (!ch) return { ok: false, error: 'channel_not_found' };
        ch.purpose = String(args.purpose);
        return { ok: true, purpose: ch.purpose };
      }
      case 'conversations.list':
        return { ok: true, channels: [...this.channels.values()].map((c) => ({ id: c.id, name: c.name, purpose: { value: c.purpose } })), response_metadata: { next_cursor: '' } };
      case 'conversations.invite': {
        const ch = this.channels.get(String(args.channel));
        if (!ch) return { ok: false, error: 'channel_not_found' };
        const users = String(args.users).split(',');
        if (users.every((u) => ch.members.includes(u))) return { ok: false, error: 'already_in_channel' };
        ch.members.push(...users.filter((u) => !ch.members.includes(u)));
        return { ok: true, channel: { id: ch.id } };
      }
      case 'pins.add': {
        const ch = this.channels.get(String(args.channel));
        if (!ch) return { ok: false, error: 'channel_not_found' };
        if (ch.pins.includes(String(args.timestamp))) return { ok: false, error: 'already_pinned' };
        ch.pins.push(String(args.timestamp));
        return { ok: true };
      }
      case 'views.open': {
        if (!args.trigger_id) return { ok: false, error: 'invalid_trigger_id' };
        this.views.push(args.view as Record<string, unknown>);
        return { ok: true, view: { id: `V${this.views.length}`, ...(args.view as object) } };
      }
      case 'conversations.replies': {
        const root = this.messages.get(String(args.ts));
        if (!root) return { ok: false, error: 'thread_not_found' };
        const replies = [...this.messages.values()].filter((m) => m.thread_ts === root.ts);
        return { ok: true, messages: [root, ...replies].map((m) => ({ type: 'message', ...m })), has_more: false };
      }
      case 'conversations.history': {
        const messages = [...this.messages.values()].filter((m) => m.channel === channelId(args.channel)).reverse();
        return { ok: true, messages: messages.map((m) => ({ type: 'message', ...m })), has_more: false };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}
