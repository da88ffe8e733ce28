import { createHash } from 'node:crypto';
import { ConfigError } from '../core/shared/config-error';
import type { Policy } from '../core/policy/policy';
import { readPolicyFile } from '../core/policy/policy-document';
import type { PolicyBook } from '../core/policy/routing';
import { productionProblems } from './production';

/**
 * The one check of the policies Klaxon pages by: at start (config/environment.ts) and at each
 * reload of the policy file (client/api/live-configuration.ts), so a file refused at start is
 * refused on reload too, and the other way round.
 */
export interface PolicyChecks {
  /** KLAXON_AUTO_RESOLVE when set: the default of the policies that do not say autoResolve. */
  autoResolve?: boolean;
  /** Whether KLAXON_PAYLOAD_KEYS_FILE gave keys: without them no policy may keep unredacted alerts. */
  payloadKeys: boolean;
  /** On a production start (KLAXON_PRODUCTION), the environment every responder's channel must be configured in. */
  production?: Record<string, string | undefined>;
}

/** Recorded when an incident pins the policy, so the ledger says which version paged. */
export function withHash(policy: Policy): Policy {
  return { ...policy, hash: createHash('sha256').update(JSON.stringify({ ...policy, hash: undefined })).digest('hex') };
}

/** The book checked against the rest of the configuration, each policy with its hash; a ConfigError naming every problem. */
export function checkedPolicyBook(book: PolicyBook, checks: PolicyChecks): PolicyBook {
  // An unredacted alert is kept only encrypted: never as plain JSON in Temporal.
  const keeping = book.policies.filter((p) => p.keepUnredactedAlerts).map((p) => `"${p.name}"`);
  if (keeping.length && !checks.payloadKeys) {
    throw new ConfigError(`policy ${keeping.join(', ')} sets keepUnredactedAlerts, but KLAXON_PAYLOAD_KEYS_FILE is not set: unredacted alerts are kept only encrypted with the operator's key`);
  }
  if (checks.production) {
    const missing = productionProblems(checks.production, book);
    if (missing.length) throw new ConfigError(`KLAXON_PRODUCTION is set, and ${missing.length} setting(s) are missing: ${missing.join('; ')}`);
  }
  return { ...book, policies: book.policies.map(withHash) };
}

/**
 * A policy file's text, read with KLAXON_AUTO_RESOLVE as the default of the policies that do not
 * say autoResolve themselves (a policy that says it wins, and the conflict is named in a notice),
 * then checked as above.
 */
export function policiesFromText(text: string, path: string, checks: PolicyChecks): { book: PolicyBook; notices: string[] } {
  const { autoResolve } = checks;
  let read;
  try {
    read = readPolicyFile(text, path, { autoResolve });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const said = read.overrides.map((o) => `policy "${o.policy}" says ${o.field}: ${o.value}`);
  const notices = said.length
    ? [`KLAXON_AUTO_RESOLVE=${autoResolve} applies to the policies of ${path} that do not say autoResolve; ${said.join(', ')}, and that applies to ${said.length > 1 ? 'their' : 'its'} incidents`]
    : [];
  return { book: checkedPolicyBook(read.book, checks), notices };
}
