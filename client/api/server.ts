import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import type { KlaxonConfig } from '../../config/environment';
import { enabledSources } from '../../core/sources/registry';
import type { AlertSource, SourceSettings } from '../../core/sources/source';
import { AlertIntake, type IntakeWindows } from '../alert-intake';
import { InProcessDeliveries, type DeliveryMemory } from '../delivery-memory';
import type { Incidents } from '../incidents';
import { InProcessSpikeWindows, type SpikeWindows } from '../spike-windows';
import { receiveAlert } from './alerts';
import { receiveHeartbeat } from './heartbeats';
import { HeartbeatFeed, heartbeatFeedNotices } from '../heartbeats';
import { QuietDeliveryCounts } from './quiet-deliveries';
import { clientOf, FailedAttempts, takesBearerToken } from './failed-attempts';
import { changeIncident, incidentEvidenceRoute, incidentHistoryRoute, incidentTimeline, listIncidents, periodEvidenceRoute, showIncident, type ComplianceDeps, whoAmI } from './compliance';
import { loadRulesFile } from './rules-file';
import { fixedConfiguration, type CurrentConfiguration } from './live-configuration';
import { describeError } from './crash-guard';
import { HttpError, sendJson } from './http';
import { receivePagerDutyWebhook } from './pagerduty-webhooks';
import { webApiSlack } from './slack-api';
import { receiveSlackCommand } from './slack-commands';
import { receiveSlackInteraction, type SlackApi } from './slack-interactions';
import { readiness, READINESS_TIMEOUT_MS } from './readiness';
import { CHANGE_NAMES } from './incident-changes';
import type { UpdateName } from '../../workflows/messages';
import type { PolicyBook } from '../../core/policy/routing';
import { checkPath, decodeSegment } from './request-path';
import { metricsRoute } from './metrics-route';
import { readIncidentGaugesFrom } from '../../telemetry/incident-gauges';
import { bounded, httpRequestDuration } from '../../telemetry/metrics';
import { describeServerSpan, withServerSpan } from '../../telemetry/tracing';
import type { Span } from '@opentelemetry/api';
import { componentLogger } from '../../telemetry/log';
import { buildConsoleAssets, type ConsoleAssets } from './console-assets';
import { consoleAsset, consolePage, signIn, signOut, type ConsoleDeps } from './console-routes';
import { presentsCredentials } from './authorization';
import { DeadlinesOverview, deadlinesRoute, incidentDraftsRoute } from './legal-routes';
import { listDrillsRoute, showDrillRoute, startDrillRoute } from './drills';
import { drillScenariosRoute } from './drill-scenarios';
import { drillReportRoutes } from './drill-reports';
import { drillScheduleRoutes } from './drill-schedules';
import { DrillSchedules } from '../drill-schedules';
import { addReviewAction, changeReviewAction, listReviews, showReview, submitReview } from './reviews';
import { Reviews } from '../reviews';
import { onCallRoutes } from './oncall';
import { maintenanceRoutes } from './maintenance';
import { Maintenance } from '../maintenance';
import { coverageRoute } from './coverage';
import { CoverageGauge, readCoverageGaugeFrom } from '../../telemetry/coverage-gauge';
import { OnCallOverrides } from '../../ledger/oncall-overrides';

const apiLog = componentLogger('api');

/** The methods the access metrics name; any other is counted as "other". */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

export interface ApiDeps {
  incidents: Incidents;
  /** The policies and classification rules, taken once per request: a LiveConfiguration re-reads their files while the API runs. */
  configuration: CurrentConfiguration;
  sources: ReadonlyMap<string, AlertSource>;
  /** The sources' settings from the environment; the rules file's grouping and Vercel detectors are added per request. */
  sourceSettings: SourceSettings;
  /** Deliveries taken, against replays: the ledger database's when there is one, else this process's memory. */
  deliveries?: DeliveryMemory;
  /** The API replicas' shared coalescing windows (the production API, over the ledger database); one process alone paces by itself. */
  intakeWindows?: IntakeWindows;
  /** Vercel's status-spike windows: the ledger database's when there is one, else this process's. */
  spikeWindows?: SpikeWindows;
  /** Sent as `x-vercel-verify` on the Vercel drain route, which Vercel checks when the drain is added. */
  vercelVerify?: string;
  slackSigningSecret?: string;
  slackApi?: SlackApi;
  /** How long a Slack interaction may wait for its Update before it is answered anyway (default 2.5 s). */
  slackDeadlineMs?: number;
  pagerDutyWebhookSecrets?: string[];
  /** The read-only compliance API; without a ledger database its routes answer 503. */
  compliance?: ComplianceDeps;
  /** Scheduled drills' Temporal Schedules (client/drill-schedules.ts); made with the compliance API, whose tokens they take. */
  drillSchedules?: DrillSchedules;
  /** Maintenance windows (client/maintenance.ts): made with the compliance API, whose ledger records them; without it no alert is held. */
  maintenance?: Maintenance;
  /** Failed bearer-token attempts per client (default: MAX_FAILED_ATTEMPTS a minute). */
  failedAttempts?: FailedAttempts;
  /** What the configuration leaves aside (config/environment.ts), said once at start. */
  notices?: string[];
  /** Deliveries accepted without an alert, by source and reason (made here when not given). */
  quietCounts?: QuietDeliveryCounts;
  /** Where the Temporal SDK's own metrics are read for `/metrics` (the embedded stack's runtime exports them; telemetry/temporal-runtime.ts). */
  sdkMetricsUrl?: string;
  /** When set, `/metrics` answers only `Authorization: Bearer <this>` (KLAXON_METRICS_TOKEN). */
  metricsToken?: string;
  /** Where the console's browser build is kept between starts (the data directory); absent: built in memory at each start. */
  consoleCacheDir?: string;
  /** The console's cookie is always Secure: Klaxon is reached over https (KLAXON_PUBLIC_URL). */
  secureCookies?: boolean;
  now?: () => Date;
  log?: (line: string) => void;
}

/**
 * The API's dependencies as configured, the policies and rules as read at start; throws when an
 * enabled source lacks its secret or the rules are wrong. The API process replaces
 * `configuration` with a LiveConfiguration, which follows the files.
 */
export function apiDepsFromConfig(config: KlaxonConfig, incidents: Incidents, compliance?: ComplianceDeps, deliveries?: DeliveryMemory, spikeWindows?: SpikeWindows): ApiDeps {
  const { sources, settings } = enabledSources(config);
  const heartbeatNotices = heartbeatFeedNotices(config.policies, new Set(sources.keys()), config.sourceSecrets.KLAXON_WEBHOOK_SECRET);
  return {
    incidents,
    configuration: fixedConfiguration({ policies: config.policies, rules: loadRulesFile(config.rulesFile) }),
    sources,
    sourceSettings: settings,
    slackSigningSecret: config.slack.signingSecret,
    slackApi: config.slack.botToken ? webApiSlack(config.slack.botToken, config.slack.apiUrl) : undefined,
    pagerDutyWebhookSecrets: config.pagerduty.webhookSecrets,
    vercelVerify: config.vercelVerify,
    consoleCacheDir: join(config.dataDir, 'console'),
    secureCookies: config.publicUrl?.startsWith('https:') ?? false,
    notices: [...config.notices, ...heartbeatNotices],
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
    ...(compliance ? { compliance, drillSchedules: new DrillSchedules(compliance.client, config.temporal.taskQueue), maintenance: new Maintenance(compliance.ledger, compliance.client, config.temporal.taskQueue) } : {}),
    ...(deliveries ? { deliveries } : {}),
    ...(spikeWindows ? { spikeWindows } : {}),
  };
}

/**
 * The console's assets, built when the API starts (so the first page does not wait for it) and
 * built again on the next request if that failed (console/ unreadable): the rest of the API serves on.
 */
function consoleAssets(cacheDir: string | undefined, log: (line: string) => void): () => Promise<ConsoleAssets> {
  let building: Promise<ConsoleAssets> | undefined;
  const assets = (): Promise<ConsoleAssets> =>
    (building ??= buildConsoleAssets(cacheDir).catch((err: unknown) => {
      building = undefined;
      log(`klaxon api: the console's browser code could not be built: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      throw err;
    }));
  assets().catch(() => undefined);
  return assets;
}

/** `/^\/v1\/incidents\/([^/]+)\/timeline$/` → `/v1/incidents/:param/timeline`: a request named without what it was sent with. */
function routeTemplate(pattern: RegExp): string {
  return pattern.source.slice(1, -1).replaceAll('([^/]+)', ':param').replace(/\((?:\w+\|)+\w+\)/g, ':change').replaceAll('\\/', '/');
}

/** `POST /v1/incidents/:id/<change>`, for the catalogue's changes only. */
const CHANGE_ROUTE = new RegExp(`^\\/v1\\/incidents\\/([^/]+)\\/(${CHANGE_NAMES.join('|')})$`);

type Handler = (req: IncomingMessage, params: string[]) => Promise<{ status: number; body: unknown }>;

/** Klaxon's HTTP API: webhooks and heartbeats in, Slack interactivity and PagerDuty webhooks in, the read-only compliance API, health. */
export function createApiServer(deps: ApiDeps): Server {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? ((line) => apiLog.info(line));
  const intake = new AlertIntake(deps.incidents, deps.intakeWindows);
  // The heartbeat monitors of the policies in force: made again when a reload brings a new book.
  let feed: { book: PolicyBook; feed: HeartbeatFeed } | undefined;
  const heartbeatsOf = (book: PolicyBook): HeartbeatFeed => {
    if (feed?.book !== book) feed = { book, feed: new HeartbeatFeed(deps.incidents, book, log) };
    return feed.feed;
  };
  readIncidentGaugesFrom(deps.incidents, deps.compliance ? new Reviews(deps.compliance.client) : undefined);
  readCoverageGaugeFrom(new CoverageGauge(() => deps.configuration.current().policies.policies, deps.compliance && new OnCallOverrides(deps.compliance.ledger.db)));
  const failures = deps.failedAttempts ?? new FailedAttempts();
  for (const notice of deps.notices ?? []) log(`klaxon api: ${notice}`);
  const deliveries = deps.deliveries ?? new InProcessDeliveries();
  const quietCounts = deps.quietCounts ?? new QuietDeliveryCounts();
  if (deliveries.limitation) log(`klaxon api: ${deliveries.limitation}`);
  const spikeWindows = deps.spikeWindows ?? new InProcessSpikeWindows();
  if (spikeWindows.limitation && deps.sources.has('vercel')) log(`klaxon api: ${spikeWindows.limitation}`);
  const compliance = (): ComplianceDeps => {
    if (!deps.compliance) throw new HttpError(503, 'the compliance API reads the ledger database, and none is configured (DATABASE_URL)');
    return deps.compliance;
  };
  const deadlines = new DeadlinesOverview(deps.incidents);
  const drillSchedules = (): DrillSchedules => {
    if (!deps.drillSchedules) throw new HttpError(503, 'drill schedules take API tokens from the ledger database, and none is configured (DATABASE_URL)');
    return deps.drillSchedules;
  };
  const reviews = (): Reviews => new Reviews(compliance().client);
  const maintenance = (): Maintenance => {
    if (!deps.maintenance) throw new HttpError(503, 'maintenance windows are kept in the ledger database, and none is configured (DATABASE_URL)');
    return deps.maintenance;
  };
  const consoleDeps: ConsoleDeps = { ...(deps.compliance ? { credentials: deps.compliance } : {}), assets: consoleAssets(deps.consoleCacheDir, log), secureCookies: deps.secureCookies ?? false };
  const routes: Array<{ method: string; pattern: RegExp; handle: Handler }> = [
    { method: 'GET', pattern: /^\/healthz$/, handle: async () => ({ status: 200, body: { ok: true } }) },
    { method: 'GET', pattern: /^\/metrics$/, handle: (req) => metricsRoute(req, deps.sdkMetricsUrl, deps.metricsToken) },
    {
      method: 'GET',
      pattern: /^\/readyz$/,
      handle: () =>
        readiness({
          temporal: () => deps.incidents.ping(READINESS_TIMEOUT_MS),
          ...(deps.compliance ? { ledger: () => deps.compliance!.ledger.ping() } : {}),
        }),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/alerts\/([^/]+)$/,
      handle: (req, [source]) => {
        const { policies, rules } = deps.configuration.current();
        const settings = { ...deps.sourceSettings, grouping: rules.grouping, vercel: rules.vercel };
        return receiveAlert(req, source, { intake, policies, heartbeats: heartbeatsOf(policies), incidents: deps.incidents, sources: deps.sources, settings, rules, deliveries, spikeWindows, quietCounts, ledger: deps.compliance?.ledger, maintenance: deps.maintenance, log, now });
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/heartbeats\/([^/]+)$/,
      handle: (req, [name]) => receiveHeartbeat(req, name, { feed: heartbeatsOf(deps.configuration.current().policies), secret: deps.sourceSettings.secrets.KLAXON_WEBHOOK_SECRET, deliveries, now }),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/slack\/interactions$/,
      handle: (req) => receiveSlackInteraction(req, { incidents: deps.incidents, signingSecret: deps.slackSigningSecret, slackApi: deps.slackApi, deadlineMs: deps.slackDeadlineMs, deliveries, now, log }),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/slack\/commands$/,
      handle: (req) => receiveSlackCommand(req, { incidents: deps.incidents, signingSecret: deps.slackSigningSecret, deliveries, now }),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/pagerduty\/webhooks$/,
      handle: (req) => receivePagerDutyWebhook(req, { incidents: deps.incidents, secrets: deps.pagerDutyWebhookSecrets ?? [], deliveries, now }),
    },
    { method: 'GET', pattern: /^\/v1\/me$/, handle: async (req) => whoAmI(req, compliance()) },
    { method: 'GET', pattern: /^\/v1\/incidents$/, handle: async (req) => listIncidents(req, compliance(), deps.incidents, now()) },
    { method: 'GET', pattern: /^\/v1\/incidents\/([^/]+)$/, handle: async (req, [id]) => showIncident(req, compliance(), deps.incidents, id) },
    { method: 'GET', pattern: /^\/v1\/incidents\/([^/]+)\/timeline$/, handle: async (req, [id]) => incidentTimeline(req, compliance(), id) },
    { method: 'GET', pattern: /^\/v1\/incidents\/([^/]+)\/evidence$/, handle: async (req, [id]) => incidentEvidenceRoute(req, compliance(), deps.incidents, id, now()) },
    { method: 'POST', pattern: CHANGE_ROUTE, handle: async (req, [id, change]) => changeIncident(req, compliance(), deps.incidents, deps.configuration.current().policies, id, change as UpdateName) },
    { method: 'GET', pattern: /^\/v1\/evidence$/, handle: async (req) => periodEvidenceRoute(req, compliance(), deps.incidents, deps.configuration.current().policies.policies) },
    { method: 'GET', pattern: /^\/v1\/incidents\/([^/]+)\/history$/, handle: async (req, [id]) => incidentHistoryRoute(req, compliance(), id) },
    { method: 'GET', pattern: /^\/v1\/incidents\/([^/]+)\/drafts$/, handle: async (req, [id]) => incidentDraftsRoute(req, compliance(), deps.incidents, deps.configuration.current().policies, id, now()) },
    { method: 'GET', pattern: /^\/v1\/deadlines$/, handle: async (req) => deadlinesRoute(req, compliance(), deadlines) },
    // Drills (issue 22): the incident code under the workflow type `drill`, listed apart.
    { method: 'POST', pattern: /^\/v1\/drills$/, handle: async (req) => startDrillRoute(req, compliance(), deps.incidents, deps.configuration.current().policies, now()) },
    { method: 'GET', pattern: /^\/v1\/drill-scenarios$/, handle: async (req) => drillScenariosRoute(req, compliance()) },
    { method: 'GET', pattern: /^\/v1\/drills$/, handle: async (req) => listDrillsRoute(req, compliance(), deps.incidents) },
    { method: 'GET', pattern: /^\/v1\/drills\/([^/]+)$/, handle: async (req, [id]) => showDrillRoute(req, compliance(), deps.incidents, id) },
    ...drillReportRoutes(compliance, deps.incidents, now),
    ...drillScheduleRoutes(compliance, drillSchedules, () => deps.configuration.current().policies),
    // Post-incident reviews (client/api/reviews.ts): read through the compliance API's Temporal client.
    { method: 'GET', pattern: /^\/v1\/incidents\/([^/]+)\/review$/, handle: async (req, [id]) => showReview(req, compliance(), reviews(), id, deps.configuration.current().policies) },
    { method: 'PUT', pattern: /^\/v1\/incidents\/([^/]+)\/review$/, handle: async (req, [id]) => submitReview(req, compliance(), reviews(), id) },
    { method: 'POST', pattern: /^\/v1\/incidents\/([^/]+)\/review\/actions$/, handle: async (req, [id]) => addReviewAction(req, compliance(), reviews(), id) },
    { method: 'POST', pattern: /^\/v1\/incidents\/([^/]+)\/review\/actions\/([^/]+)$/, handle: async (req, [id, n]) => changeReviewAction(req, compliance(), reviews(), id, n) },
    { method: 'GET', pattern: /^\/v1\/reviews$/, handle: async (req) => listReviews(req, compliance(), reviews(), now()) },
    // On call (issue 23, client/api/oncall.ts): who is on call, run-time overrides and swaps, calendar feeds.
    ...onCallRoutes(compliance, () => deps.configuration.current().policies, now),
    ...maintenanceRoutes(compliance, maintenance, now),
    // Coverage gaps (client/api/coverage.ts): the policies in force with the live overrides.
    { method: 'GET', pattern: /^\/v1\/coverage$/, handle: async (req) => coverageRoute(req, compliance(), deps.configuration.current().policies, now()) },
    // The web console (console/): a client of the routes above, signed in by a session cookie.
    { method: 'GET', pattern: /^\/console\/assets\/(console\.js|console\.css)$/, handle: (req, [name]) => consoleAsset(req, consoleDeps, name) },
    { method: 'POST', pattern: /^\/console\/sign-in$/, handle: (req) => signIn(req, consoleDeps) },
    { method: 'POST', pattern: /^\/console\/sign-out$/, handle: (req) => signOut(req, consoleDeps) },
    { method: 'GET', pattern: /^\/console(\/.*)?$/, handle: (req) => consolePage(req, consoleDeps, (req.url ?? '/').split('?')[0]) },
  ];

  // Each request in a server span when tracing is on (telemetry/tracing.ts), so its Temporal calls join the trace.
  const serve = (req: IncomingMessage, res: ServerResponse, span: Span | undefined): Promise<void> => {
    const started = process.hrtime.bigint();
    const path = (req.url ?? '/').split('?')[0];
    // What the access log names the request by: its route's template, not its path (below).
    let routeName = '(no route)';
    const finish = (status: number, body: unknown): void => {
      if (res.headersSent) return;
      try {
        sendJson(res, status, body);
      } catch (err) {
        // A header Node refuses (a character it may not carry) must still end the request.
        apiLog.error(`api ${req.method} ${routeName}: the answer could not be sent: ${describeError(err)}`);
        status = 500;
        sendJson(res, status, { error: 'internal error' });
      }
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      httpRequestDuration.observe({ method: bounded(req.method, METHODS), route: routeName, status: String(status) }, ms / 1000);
      describeServerSpan(span, bounded(req.method, METHODS), routeName, status);
      // Method, route and status only, no outside text: bodies, paths and the messages that
      // refuse them quote what was sent (an unknown field named by an e-mail address, a
      // tenant, an incident id made of a dedup key), and logs are kept and shipped where
      // redaction does not reach. Headers hold signatures. The sender reads the message in
      // the answer; redacting it here would still let through what no pattern recognises.
      log(`api ${req.method} ${routeName} ${status} ${ms.toFixed(1)}ms`);
    };
    // A client that keeps failing with tokens is refused for a while before any lookup. Only
    // requests that present one count: a page of another site can make a browser send requests
    // without its cookie (SameSite=Strict), and those must not lock the person out.
    const client = takesBearerToken(path) && (presentsCredentials(req) || path === '/console/sign-in') ? clientOf(req.socket.remoteAddress) : undefined;
    // Set once the client's attempt is admitted; settled with its answer, whatever that is.
    let admitted = false;
    const settle = (status: number): void => {
      if (admitted && client) failures.settle(client, status === 401);
      admitted = false;
    };
    const fail = (err: unknown): void => {
      if (err instanceof HttpError) {
        settle(err.status);
        // Stop reading an oversized or refused body; the connection is closed after the answer.
        if (!req.complete) res.setHeader('connection', 'close');
        return finish(err.status, { error: err.message, ...err.details });
      }
      settle(500);
      apiLog.error(`api ${req.method} ${routeName} failed: ${describeError(err)}`);
      finish(500, { error: 'internal error' });
    };
    // Everything a request does runs inside this chain, so whatever throws, synchronously or
    // not, in the routing or in a handler, becomes that request's answer and nothing more.
    return Promise.resolve()
      .then(() => {
        checkPath(path);
        // Vercel checks a drain's endpoint by this header, on whatever answer it gets.
        if (deps.vercelVerify && path === '/v1/alerts/vercel') res.setHeader('x-vercel-verify', deps.vercelVerify);
        const matches = routes.filter((r) => r.pattern.test(path));
        const route = matches.find((r) => r.method === req.method);
        if (matches.length) routeName = routeTemplate(matches[0].pattern);
        if (!route) {
          req.resume();
          if (matches.length) throw new HttpError(405, `method ${req.method} is not allowed on ${path}`);
          throw new HttpError(404, `no route for ${req.method} ${path}`);
        }
        const retryAfter = client ? failures.admit(client) : 0;
        admitted = Boolean(client) && retryAfter === 0;
        if (retryAfter > 0) {
          req.resume();
          res.setHeader('retry-after', String(retryAfter));
          throw new HttpError(429, `too many failed bearer-token attempts from this address (those not yet answered count too): retry after ${retryAfter} s`);
        }
        return route.handle(req, route.pattern.exec(path)!.slice(1).map(decodeSegment));
      })
      .then(({ status, body }) => (settle(status), finish(status, body)), fail)
      .catch((err: unknown) => apiLog.error(`api ${req.method} ${routeName}: the answer failed: ${describeError(err)}`));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => void withServerSpan(bounded(req.method, METHODS), (span) => serve(req, res, span)));
  // What Node's parser refuses itself (a raw control character or non-ASCII byte in the request
  // line, headers over its 16 KB limit) is answered as Node would, but with the problem named.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable || (socket as Socket).bytesWritten > 0) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const why = status === 431 ? 'the request line and headers are too large' : status === 408 ? 'the request took too long to arrive' : `the request is not well-formed HTTP (${err.code ?? 'unparseable'}): a request path must be printable ASCII, percent-encoded`;
    const body = JSON.stringify({ error: why });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  return server;
}
