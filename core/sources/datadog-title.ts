/**
 * What Datadog puts in front of a monitor's name in `$EVENT_TITLE`: `[TEST] ` on a test
 * notification, then `[<transition>]` or `[<transition> on {<scope>}]`, e.g.
 * `[Triggered on {host:ip-012345,tenant:acme}] Host is Down`.
 * https://docs.datadoghq.com/integrations/webhooks/ ($EVENT_TITLE, $ALERT_TITLE),
 * https://docs.datadoghq.com/monitors/notify/ (test notifications add [TEST] to the title)
 *
 * Read with indexOf and slices only (linear in the title, whatever it holds): a title is
 * outside input, and a backtracking pattern over it is a way to hold a core.
 */
export interface DatadogTitle {
  /** The monitor's name as the operator wrote it, without Datadog's prefixes. */
  name: string;
  /** The transition the prefix names, as Datadog spells it (`Triggered`, `Re-Warn`…), if it names one. */
  transition?: string;
  /** The tags of the group that changed (`host:a,tenant:acme`), for a multi-alert monitor. */
  scope?: string;
  /** The title began with `[TEST]`: a test notification sent from the monitor's editor. */
  test: boolean;
}

/** Every `$ALERT_TRANSITION` the webhooks page lists; a bracket naming anything else is part of the name. */
export const DATADOG_TRANSITIONS = ['Triggered', 'Re-Triggered', 'Recovered', 'Warn', 'Re-Warn', 'No Data', 'Re-No Data', 'Renotify', 'Null'] as const;
const KNOWN = new Map<string, string>(DATADOG_TRANSITIONS.map((t) => [t.toLowerCase(), t]));

const TEST_MARK = '[TEST]';
const SCOPE_MARK = ' on {';

export function parseDatadogTitle(title: string): DatadogTitle {
  let rest = title.trimStart();
  const test = rest.startsWith(TEST_MARK);
  if (test) rest = rest.slice(TEST_MARK.length).trimStart();
  if (!rest.startsWith('[')) return { name: rest, test };
  const close = rest.indexOf(']');
  if (close < 0) return { name: rest, test };
  const inner = rest.slice(1, close);
  const on = inner.indexOf(SCOPE_MARK);
  const transition = KNOWN.get((on < 0 ? inner : inner.slice(0, on)).toLowerCase());
  // "[Memory Alert] …" is a name that begins with a bracket, not a prefix.
  if (!transition) return { name: rest, test };
  const scope = on < 0 ? undefined : inner.slice(on + SCOPE_MARK.length, inner.endsWith('}') ? -1 : undefined);
  return { name: rest.slice(close + 1).trimStart(), transition, ...(scope ? { scope } : {}), test };
}
