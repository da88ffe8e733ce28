import { z } from 'zod';
import { describeIssues } from '../../core/alerts/alert';
import type { ResponderRef } from '../../core/incident/incident';
import { containmentSpecSchema } from '../../core/policy/policy-document';
import type { PolicyBook } from '../../core/policy/routing';
import { ART34_EXCEPTIONS } from '../../core/regulation/legal-clocks';
import { RECORDABLE_TRIGGERS } from '../../core/regulation/regimes';
import { updates, type UpdateArg, type UpdateName } from '../../workflows/messages';
import { HttpError } from './http';

/**
 * Every change of the workflow's catalogue (workflows/messages.ts) as the API takes it:
 * `POST /v1/incidents/:id/<change>` with the change's fields as the body, minus `by`: who acts is
 * the responder the bearer token is bound to, never the body. The body is checked for shape
 * here (a clear 422 naming the field); the incident's own rules (roles, the two-person rule,
 * deadlines) are the workflow's, the same whether the change came from Slack, the CLI or here.
 */
interface ChangeBody<N extends UpdateName, B> {
  schema: z.ZodType<B>;
  arg(body: B, by: ResponderRef, policies: PolicyBook): UpdateArg<N>;
}

const change = <N extends UpdateName>() => <B>(schema: z.ZodType<B>, arg: (body: B, by: ResponderRef, policies: PolicyBook) => UpdateArg<N>): ChangeBody<N, B> => ({ schema, arg });

// Shapes only: the lengths and characters of text are checkUpdateText's to refuse (Incidents.change,
// core/shared/free-text.ts), with one message for every path; the body itself is bounded to 1 MiB.
const text = z.string();
const name = z.string();
const instant = z.string();
const nothing = z.strictObject({});
const decision = z.strictObject({ actionId: name, reason: text.optional() });

const CHANGES: { [N in UpdateName]: ChangeBody<N, never> } = {
  acknowledge: change<'acknowledge'>()(nothing, (_, by) => by),
  escalate: change<'escalate'>()(nothing, (_, by) => by),
  resolve: change<'resolve'>()(z.strictObject({ note: text.optional() }), (b, by) => ({ by, ...b })),
  snooze: change<'snooze'>()(z.strictObject({ minutes: z.number().int() }), (b, by) => ({ by, ...b })),
  reassign: change<'reassign'>()(z.strictObject({ to: name }), (b, by) => ({ by, ...b })),
  trigger: change<'trigger'>()(z.strictObject({ event: z.enum(RECORDABLE_TRIGGERS), at: instant.optional(), reason: text.optional() }), (b, by) => ({ by, ...b })),
  file: change<'file'>()(
    z.strictObject({
      obligation: name,
      reference: text,
      filedAt: instant.optional(),
      recipient: text.optional(),
      attachments: z.array(text).max(50).optional(),
      reasonsForDelay: text.optional(),
      outstanding: z.array(text).max(50).optional(),
    }),
    (b, by) => ({ by, ...b }),
  ),
  obligations: change<'obligations'>()(z.strictObject({ add: z.array(name).max(50).optional(), remove: z.array(name).max(50).optional(), reason: text }), (b, by) => ({ by, ...b })),
  riskDecision: change<'riskDecision'>()(
    z.strictObject({ highRisk: z.boolean(), exception: z.enum(Object.keys(ART34_EXCEPTIONS) as [keyof typeof ART34_EXCEPTIONS]).optional(), reasons: text, at: instant.optional() }),
    (b, by) => ({ by, ...b }),
  ),
  requestContainment: change<'requestContainment'>()(z.strictObject({ spec: containmentSpecSchema, reason: text }), (b, by) => ({ by, ...b })),
  approveContainment: change<'approveContainment'>()(decision, (b, by) => ({ by, ...b })),
  rejectContainment: change<'rejectContainment'>()(decision, (b, by) => ({ by, ...b })),
  overrideContainment: change<'overrideContainment'>()(decision, (b, by) => ({ by, ...b })),
  falsePositive: change<'falsePositive'>()(z.strictObject({ reason: text }), (b, by) => ({ by, ...b })),
  // The policy by name, as the API's configuration holds it: a caller cannot pin a policy of its own making.
  repin: change<'repin'>()(z.strictObject({ policy: name }), (b, by, policies) => {
    const policy = policies.policies.find((p) => p.name === b.policy);
    if (!policy) throw new HttpError(422, `policy "${b.policy}" is not one of this Klaxon's (${policies.policies.map((p) => p.name).join(', ')})`);
    return { by, policy };
  }),
} as { [N in UpdateName]: ChangeBody<N, never> };

/** The change's argument from the request body and the acting responder; HttpError 422 naming what is wrong. */
export function changeArgument<N extends UpdateName>(name: N, body: unknown, by: ResponderRef, policies: PolicyBook): UpdateArg<N> {
  const spec = CHANGES[name] as unknown as ChangeBody<N, unknown>;
  const parsed = spec.schema.safeParse(body);
  if (!parsed.success) throw new HttpError(422, `the body of "${name}": ${describeIssues(parsed.error).join('; ')}`);
  return spec.arg(parsed.data, by, policies);
}

/** The changes the API takes: its route names each, so any other path is the router's 404. */
export const CHANGE_NAMES = Object.keys(updates) as UpdateName[];
