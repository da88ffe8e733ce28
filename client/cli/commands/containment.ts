import type { ContainmentKind, ContainmentSpec } from '../../../core/containment/containment';
import { AS_OPTION, defineCommand, quoted, REASON_OPTION, UsageError, type Values } from '../command';

const REQUEST_OPTIONS = {
  kind: { type: 'string', value: 'isolate-tenant|throttle-provisioning|suspend-credentials', required: true, help: 'the action' },
  mode: { type: 'string', value: 'read-only|maintenance|blocked', help: "isolate-tenant: what the tenant's users may still do" },
  limit: { type: 'string', multiple: true, value: '<name=N>', help: 'throttle-provisioning: a limit per hour, e.g. invitations=0 (signups, roleChanges)' },
  credential: { type: 'string', multiple: true, value: '<name>', help: 'suspend-credentials: a credential to suspend, by name' },
  reason: REASON_OPTION,
  as: AS_OPTION,
} as const;

const request = defineCommand({
  name: 'containment request',
  args: ['<id>'],
  summary: 'ask for a containment action (a second person approves)',
  options: REQUEST_OPTIONS,
  async run({ values, args: [id] }, cli) {
    const spec = containmentSpecOf(values);
    const r = await cli.change('requestContainment', id, { spec, reason: values.reason }, values.as);
    return cli.print(r, () => `${id}: containment ${r.actionId} requested; it waits for an approver other than you.`);
  },
});

/** approve, reject and override: one decision on a requested action, by someone else than who asked. */
const decision = (verb: 'approve' | 'reject' | 'override', summary: string, details: string | undefined, reasonNeeded: boolean) =>
  defineCommand({
    name: `containment ${verb}`,
    args: ['<id>', '<action>'],
    summary,
    details,
    options: { as: AS_OPTION, reason: { ...REASON_OPTION, required: reasonNeeded } },
    async run({ values, args: [id, actionId] }, cli) {
      const r = await cli.change(`${verb}Containment`, id, { actionId, reason: values.reason }, values.as);
      return cli.print(r, () => `${id}: containment ${r.actionId} is ${r.status}.`);
    },
  });

/** The action `klaxon containment request` describes with its flags; the workflow validates it. */
function containmentSpecOf(values: Values<typeof REQUEST_OPTIONS>): ContainmentSpec {
  const limits = Object.fromEntries(
    (values.limit ?? []).map((entry) => {
      const [name, n] = entry.split('=');
      if (!name || !/^\d+$/.test(n ?? '')) throw new UsageError(`--limit ${quoted(entry)} is not name=<whole number>, e.g. invitations=0`);
      return [name, Number(n)];
    }),
  );
  return {
    kind: values.kind as ContainmentKind,
    ...(values.mode ? { mode: values.mode as ContainmentSpec['mode'] } : {}),
    ...(values.limit ? { limits } : {}),
    ...(values.credential ? { credentials: values.credential } : {}),
  };
}

export const containmentCommands = [
  request,
  decision('approve', 'approve a requested action: it runs', 'Whoever requested the action cannot approve it (two-person rule).', false),
  decision('reject', 'reject a requested action, with the reason', undefined, true),
  decision('override', 'run an action without approval, with the reason', 'Allowed to the incident-commander role; flagged in the ledger (containment.overridden).', true),
];
