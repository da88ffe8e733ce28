// Workflow-safe: definitions only; the workflow bundle and the client both read this catalogue.
import type { QueryDefinition, SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, defineQuery, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';
import { IncidentRuleError } from '../core/incident/incident-rule-error';
import type { AlertBatch } from '../core/alerts/alert-batch';
import type { UnredactedAlert } from '../core/alerts/unredacted-alert';
import type { ContainmentDecision, ContainmentRequest, ContainmentResult } from '../core/containment/containment';
import type { AckResult, IncidentState, ResolveResult, ResponderRef } from '../core/incident/incident';
import type { Policy } from '../core/policy/policy';
import type { ClocksView } from '../core/regulation/clock-view';
import type { FilingRequest, ObligationsRequest, RiskDecisionRequest, TriggerRequest } from '../core/regulation/legal-clocks';
import type { TriggerKind } from '../core/regulation/regimes';
import { checkUpdateText } from '../core/shared/free-text';
import type { SourceResolution } from '../core/sources/source';

/**
 * Every message the incident workflow takes, once: its wire name (the key, which histories of
 * open incidents record: never rename one), its argument and result, and why it is the kind of
 * message it is. The workflow registers its handlers from this table (registerHandlers, typed so
 * a message without a handler does not compile), the client sends changes through it
 * (Incidents.change), and each `why` travels as the handler's description, which Temporal's
 * UI and the `__temporal_workflow_metadata` query show.
 */

/** A Signal: the sender needs only Temporal's durable acceptance, never an answer from the workflow. */
interface SignalSpec<A> {
  why: string;
  arg?: A;
}
/** An Update: the caller must learn at once whether it was accepted, and a validator refuses before anything is recorded. */
interface UpdateSpec<R, A> {
  why: string;
  result?: R;
  arg?: A;
}
/** A Query: a read, answered from the workflow's state without changing it. */
interface QuerySpec<R, A extends unknown[]> {
  why: string;
  result?: R;
  args?: A;
}
const signal = <A>(why: string): SignalSpec<A> => ({ why });
const update = <R, A>(why: string): UpdateSpec<R, A> => ({ why });
const query = <R, A extends unknown[] = []>(why: string): QuerySpec<R, A> => ({ why });

const signalSpecs = {
  alerts: signal<AlertBatch>(
    'A batch of alerts for this incident (the API coalesces concurrent alerts for one key). Signal-with-start is atomic and works while no worker runs; the sender needs only durable acceptance.',
  ),
  sourceResolved: signal<SourceResolution>("A monitoring source's own \"resolved\": the source only needs it durably taken."),
};

// Free-standing results, named for what a caller reads in them.
type Starts = { starts: string[] };

const updateSpecs = {
  acknowledge: update<AckResult, ResponderRef>('A responder takes the incident; the caller (a Slack click, the CLI) learns whether it was accepted and by whom, and strangers are refused before anything is recorded.'),
  resolve: update<ResolveResult, { by: ResponderRef; note?: string }>('Ends the incident; the caller learns whether it was accepted (a second click finds it resolved).'),
  escalate: update<{ incidentId: string; fromLevel: number }, ResponderRef>('Pages the next level now; refused when there is none.'),
  snooze: update<{ incidentId: string; snoozedUntil: string }, { by: ResponderRef; minutes: number }>('Pauses paging for a bounded time; refused beyond the policy\'s limit.'),
  reassign: update<{ incidentId: string; assignedTo: string }, { by: ResponderRef; to: string }>('Hands the incident to a responder of its policy, who is paged at once; refused for anyone else.'),
  trigger: update<{ incidentId: string; event: TriggerKind; at: string } & Starts, TriggerRequest>(
    'Records an event that starts legal clocks; refused in the future, backdated without a reason, or already recorded, and answers which clocks it starts.',
  ),
  file: update<{ incidentId: string; obligation: string; late: boolean; outstanding: string[] } & Starts, FilingRequest>(
    'Records a filing, which stops its clock (or leaves a follow-up owed); refused when late without the reasons for delay.',
  ),
  obligations: update<{ incidentId: string; obligations: string[] } & Starts, ObligationsRequest>("Counsel adds or removes obligations; refused without a reason, answered with what now applies."),
  riskDecision: update<{ incidentId: string; highRisk: boolean; art34: string } & Starts, RiskDecisionRequest>("Counsel's Art. 34 decision; refused without a reason, answered with what now applies."),
  requestContainment: update<ContainmentResult, ContainmentRequest>('Asks for a containment action; the requester learns at once whether a missing role refused it.'),
  approveContainment: update<ContainmentResult, ContainmentDecision>('A second person approves a containment action; the two-person rule refuses the requester.'),
  rejectContainment: update<ContainmentResult, ContainmentDecision>('Rejects a containment action, with the reason.'),
  overrideContainment: update<ContainmentResult, ContainmentDecision>('Runs a containment action without a second person, by the override role, with the reason.'),
  falsePositive: update<ResolveResult, { by: ResponderRef; reason: string }>('Closes the incident as a false positive and rolls its containment back; the reason is required.'),
  repin: update<{ incidentId: string; policy: string; policyHash?: string }, { by: ResponderRef; policy: Policy }>(
    "Pins a new policy to the running incident. It carries the whole policy: the workflow cannot read files, and the caller's copy (validated again) is what the ledger records by hash.",
  ),
};

const querySpecs = {
  state: query<IncidentState>('The incident as notifications, the CLI and the REST API read it (also after it closed, while Temporal keeps it).'),
  clocks: query<ClocksView, [zone?: string]>("The legal clocks as compliance reads them: every instant in UTC, the authority's zone and the reader's (an IANA zone; UTC when absent)."),
  responder: query<string | null, [ref: ResponderRef]>(
    "Whom a reference names among the pinned policy's responders (null: nobody), so readers outside Temporal (the slash command) answer only the incident's own responders.",
  ),
  unredactedAlerts: query<UnredactedAlert[]>('The alerts as sent, kept when the policy says keepUnredactedAlerts: a query of its own, so the state never carries them.'),
};

export type SignalName = keyof typeof signalSpecs;
export type UpdateName = keyof typeof updateSpecs;
export type QueryName = keyof typeof querySpecs;
export type SignalArg<N extends SignalName> = NonNullable<(typeof signalSpecs)[N]['arg']>;
export type UpdateArg<N extends UpdateName> = NonNullable<(typeof updateSpecs)[N]['arg']>;
export type UpdateResult<N extends UpdateName> = NonNullable<(typeof updateSpecs)[N]['result']>;
export type QueryArgs<N extends QueryName> = NonNullable<(typeof querySpecs)[N]['args']>;
export type QueryResult<N extends QueryName> = Exclude<(typeof querySpecs)[N]['result'], undefined>;

/** The definitions Temporal's APIs take, one per catalogue entry, named by its key. */
export const signals = definitions(signalSpecs, (name) => defineSignal(name)) as { [N in SignalName]: SignalDefinition<[SignalArg<N>], N> };
export const updates = definitions(updateSpecs, (name) => defineUpdate(name)) as { [N in UpdateName]: UpdateDefinition<UpdateResult<N>, [UpdateArg<N>], N> };
export const queries = definitions(querySpecs, (name) => defineQuery(name)) as { [N in QueryName]: QueryDefinition<QueryResult<N>, QueryArgs<N>, N> };

/** Why each message is what it is, by wire name: the descriptions the workflow registers. */
export const descriptions: Record<SignalName | UpdateName | QueryName, string> = Object.fromEntries(
  [signalSpecs, updateSpecs, querySpecs].flatMap((specs) => Object.entries(specs).map(([name, spec]) => [name, spec.why])),
) as Record<SignalName | UpdateName | QueryName, string>;

function definitions<D>(specs: object, define: (name: string) => D): Record<string, D> {
  return Object.fromEntries(Object.keys(specs).map((name) => [name, define(name)]));
}

/** An Update's two halves: the check that refuses (throws) with nothing recorded, and the change. */
export interface UpdateHandler<N extends UpdateName> {
  check(arg: UpdateArg<N>, now: string): void;
  apply(arg: UpdateArg<N>, now: string): UpdateResult<N>;
}

/** What the workflow must provide: a handler for every message of the catalogue, and nothing else. */
export interface Handlers {
  signals: { [N in SignalName]: (arg: SignalArg<N>) => void };
  updates: { [N in UpdateName]: UpdateHandler<N> };
  queries: { [N in QueryName]: (...args: QueryArgs<N>) => QueryResult<N> };
}

/** What the workflow does besides its handlers: the clock, and what follows a change or a refused signal. */
export interface HandlerHooks {
  now(): string;
  /** An Update applied (the workflow writes its ledger then). */
  changed(): void;
  /** A signal's handler threw: its argument was malformed (see registerHandlers). */
  refused(message: SignalName, reason: string): void;
}

/**
 * Registers every handler with its description. An Update's validator checks its text first (an
 * argument no record can hold is refused whatever the rules would say), then its rules; a refusal
 * travels to the caller as an IncidentRuleError with the reason intact, also when the rule broke
 * in the handler itself (a plain error there would fail the workflow task, again and again).
 * A signal has no caller to answer: one whose handler throws is handed to `refused` and dropped,
 * since rethrowing would fail every workflow task from then on and freeze the incident.
 */
export function registerHandlers(handlers: Handlers, hooks: HandlerHooks): void {
  for (const name of Object.keys(signals) as SignalName[]) {
    const handler = handlers.signals[name] as (arg: unknown) => void;
    const guarded = (arg: unknown) => {
      try {
        handler(arg);
      } catch (err) {
        hooks.refused(name, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      }
    };
    setHandler(signals[name] as SignalDefinition<[unknown]>, guarded, { description: descriptions[name] });
  }
  for (const name of Object.keys(queries) as QueryName[]) {
    setHandler(queries[name] as QueryDefinition<unknown, unknown[]>, handlers.queries[name] as (...args: unknown[]) => unknown, { description: descriptions[name] });
  }
  for (const name of Object.keys(updates) as UpdateName[]) {
    // One loop over every name: TypeScript cannot pair each name's handler with its own argument type.
    const handler = handlers.updates[name] as unknown as { check(arg: unknown, now: string): void; apply(arg: unknown, now: string): unknown };
    setHandler(
      updates[name] as UpdateDefinition<unknown, [unknown]>,
      (arg: unknown) => {
        const result = rejectAsFailure(() => handler.apply(arg, hooks.now()), (err) => err instanceof IncidentRuleError);
        hooks.changed();
        return result;
      },
      {
        description: descriptions[name],
        validator: (arg: unknown) =>
          rejectAsFailure(() => {
            checkUpdateText(arg);
            handler.check(arg, hooks.now());
          }),
      },
    );
  }
}

/** Rules refuse by throwing; an ApplicationFailure carries the reason to the caller intact. Errors `refusal` does not pick are bugs: they fail the task, to be retried once fixed. */
export function rejectAsFailure<T>(run: () => T, refusal: (err: unknown) => boolean = () => true): T {
  try {
    return run();
  } catch (err) {
    if (!refusal(err)) throw err;
    throw ApplicationFailure.create({ type: 'IncidentRuleError', message: (err as Error).message, nonRetryable: true });
  }
}
