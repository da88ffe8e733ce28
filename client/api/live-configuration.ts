import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { ClassificationRules } from '../../core/alerts/classification';
import type { Actor } from '../../core/incident/actor';
import type { PolicyBook } from '../../core/policy/routing';
import { redact } from '../../core/shared/redaction';
import type { KlaxonConfig } from '../../config/environment';
import { policiesFromText } from '../../config/policy-book';
import type { AppliedPayload, ConfigurationRecord } from '../../ledger/configuration-record';
import { loadRulesFile, rulesFromText } from './rules-file';

/** What a request is handled with: the policies and the classification rules in force when it arrived. */
export interface ConfigurationSnapshot {
  readonly policies: PolicyBook;
  readonly rules: ClassificationRules;
}

/** Where the API takes its snapshot from, once per request. */
export interface CurrentConfiguration {
  current(): ConfigurationSnapshot;
}

/** A configuration that does not change (a process that watches no file, tests that build the API in-process). */
export const fixedConfiguration = (snapshot: ConfigurationSnapshot): CurrentConfiguration => ({ current: () => snapshot });

export type ReloadTrigger = 'start' | 'poll' | 'SIGHUP';

/** A change is read again after this long and taken only once two reads agree, so a file half written is not judged. */
export const SETTLE_MS = 200;
/** Reads a change may take to settle before it is left for the next check. */
const SETTLE_TRIES = 5;
/** A refusal's reason is bounded: a file with thousands of problems must not make a record that size. */
const MAX_REASON = 2000;

type Variable = AppliedPayload['variable'];
type Check = Exclude<ReloadTrigger, 'start'>;

/** A file's content that passed the check, ready to take effect. */
interface Candidate {
  apply(): void;
  /** What the applied record says of it besides its hash. */
  described: Partial<AppliedPayload>;
  /** What an operator should hear of (config/policy-book.ts): said on a reload, as the API says them at start. */
  notices?: string[];
}

/** One watched file and what is known of it. */
interface Watched {
  variable: Variable;
  path: string;
  /** The file's text, checked as at start; throws naming the problem. */
  check: (text: string) => Candidate;
  /** SHA-256 of the content in force. */
  sha256: string;
  /** The last content refused (its SHA-256, or the reason an unreadable file gave), so a file left broken is refused once, not at every check. */
  refused?: string;
  /** A record the ledger did not take yet (database away): tried again at each check. */
  unrecorded?: () => Promise<void>;
}

export interface LiveConfigurationOptions {
  /** Where changes are recorded; without a ledger database they are logged only. */
  record?: ConfigurationRecord;
  log: (line: string) => void;
}

const sha256Of = (text: string): string => createHash('sha256').update(text).digest('hex');
const short = (sha: string | undefined): string => (sha ? `${sha.slice(0, 12)}…` : 'none');
const readText = (path: string) => readFile(path, 'utf8');
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** A problem as it may be logged and recorded: redacted (a policy names people and their contact details) and bounded. */
function reasonOf(err: unknown): string {
  const text = redact(err instanceof Error ? err.message : String(err));
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}… (cut at ${MAX_REASON} characters)` : text;
}

/**
 * The policies and classification rules in force in this API process. The policy file
 * (KLAXON_POLICY_FILE) and the rules file (KLAXON_RULES_FILE) are read again every
 * KLAXON_RELOAD_SECONDS and on SIGHUP (client/api/main.ts); a file whose content hash changed
 * is read once more after SETTLE_MS, and taken only when both reads agree. It is checked
 * exactly as at start (config/policy-book.ts, ./rules-file.ts): a good one replaces the old at
 * once for every request that follows; a bad one is refused, the last good configuration stays,
 * and the problem is logged. Both are recorded in the ledger (ledger/configuration-record.ts).
 *
 * New incidents get the new policy; an open incident keeps the policy it pinned when it opened
 * (the workflow's input), whatever the file says later: `klaxon repin` moves it on purpose.
 */
export class LiveConfiguration implements CurrentConfiguration {
  private snapshot: ConfigurationSnapshot;
  private readonly watched: Watched[] = [];
  private running: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly actor: Actor = { type: 'system', name: `klaxon api on ${hostname()}` };

  private constructor(
    private readonly config: KlaxonConfig,
    private readonly options: LiveConfigurationOptions,
  ) {
    // Without a policy file, the policy of KLAXON_RESPONDERS; without a rules file, no rules.
    this.snapshot = { policies: config.policies, rules: loadRulesFile(undefined) };
  }

  /**
   * Reads the files as at start (a bad one throws: the process does not start), records what is
   * in force unless the ledger holds it already, and checks again every `config.reloadSeconds`.
   */
  static async start(config: KlaxonConfig, options: LiveConfigurationOptions): Promise<LiveConfiguration> {
    const live = new LiveConfiguration(config, options);
    const { policyFile, rulesFile, policyChecks } = config;
    if (policyFile) {
      await live.watch('KLAXON_POLICY_FILE', policyFile, (text) => {
        const { book, notices } = policiesFromText(text, policyFile, policyChecks);
        return {
          apply: () => (live.snapshot = { ...live.snapshot, policies: book }),
          described: { policies: book.policies.map((p) => ({ name: p.name, hash: p.hash! })), routes: book.routes.length },
          notices,
        };
      });
    }
    if (rulesFile) {
      await live.watch('KLAXON_RULES_FILE', rulesFile, (text) => {
        const rules = rulesFromText(text, rulesFile);
        return { apply: () => (live.snapshot = { ...live.snapshot, rules }), described: { rules: rules.rules.length, detectors: rules.vercel.detectors.length } };
      });
    }
    live.schedule();
    return live;
  }

  current(): ConfigurationSnapshot {
    return this.snapshot;
  }

  /** Checks both files now (SIGHUP), after any check under way; resolves once a change is applied and recorded. */
  reload(trigger: Check = 'SIGHUP'): Promise<void> {
    this.running = this.running.then(() => this.checkAll(trigger));
    return this.running;
  }

  /** No more checks; waits for one under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private async watch(variable: Variable, path: string, check: Watched['check']): Promise<void> {
    const text = await readText(path);
    const candidate = check(text);
    const file: Watched = { variable, path, check, sha256: sha256Of(text) };
    this.watched.push(file);
    candidate.apply();
    await this.record(file, (record, at) => record.applied({ variable, file: path, sha256: file.sha256, trigger: 'start', ...candidate.described }, at, this.actor));
  }

  private schedule(): void {
    if (this.stopped || this.watched.length === 0) return;
    this.timer = setTimeout(() => void this.reload('poll').finally(() => this.schedule()), this.config.reloadSeconds * 1000);
    // The server keeps the process alive; the check alone must not.
    this.timer.unref();
  }

  private async checkAll(trigger: Check): Promise<void> {
    for (const file of this.watched) {
      try {
        await file.unrecorded?.();
        await this.check(file, trigger);
      } catch (err) {
        // A check never ends the process, nor stops the next one.
        this.options.log(`klaxon api: checking ${file.variable} failed, trying again at the next check: ${reasonOf(err)}`);
      }
    }
  }

  private async check(file: Watched, trigger: Check): Promise<void> {
    let text: string | undefined;
    try {
      text = await this.settled(file);
    } catch (err) {
      const reason = reasonOf(new Error(`${file.variable}=${file.path} cannot be read: ${(err as Error).message}`));
      if (file.refused !== reason) await this.refuse(file, undefined, reason, trigger);
      return;
    }
    // Unchanged, refused before, or still being written (the next check takes it).
    if (text === undefined) return;
    const sha256 = sha256Of(text);
    let candidate: Candidate;
    try {
      candidate = file.check(text);
    } catch (err) {
      await this.refuse(file, sha256, reasonOf(err), trigger);
      return;
    }
    const previous = file.sha256;
    Object.assign(file, { sha256, refused: undefined });
    candidate.apply();
    this.options.log(`klaxon api: ${file.variable}=${file.path} changed (sha256 ${short(previous)} → ${short(sha256)}) and was applied (${trigger}): new incidents get it, open ones keep the policy they pinned`);
    for (const notice of candidate.notices ?? []) this.options.log(`klaxon api: ${notice}`);
    await this.record(file, (record, at) => record.applied({ variable: file.variable, file: file.path, sha256, trigger, ...candidate.described }, at, this.actor));
  }

  /**
   * The file's new text once it has settled: read again SETTLE_MS later until two reads agree.
   * Undefined when the content is the one in force or refused already, or when it kept changing
   * (a slow writer).
   */
  private async settled(file: Watched): Promise<string | undefined> {
    let text = await readText(file.path);
    const known = (t: string) => [file.sha256, file.refused].includes(sha256Of(t));
    if (known(text)) return undefined;
    for (let i = 0; i < SETTLE_TRIES; i++) {
      await sleep(SETTLE_MS);
      const again = await readText(file.path);
      if (again === text) return known(text) ? undefined : text;
      text = again;
    }
    return undefined;
  }

  private async refuse(file: Watched, sha256: string | undefined, reason: string, trigger: Check): Promise<void> {
    file.refused = sha256 ?? reason;
    this.options.log(`klaxon api: ${file.variable}=${file.path} changed${sha256 ? ` (sha256 ${short(sha256)})` : ''} and was refused (${trigger}); still in force: sha256 ${short(file.sha256)}: ${reason}`);
    const payload = { variable: file.variable, file: file.path, ...(sha256 ? { sha256 } : {}), reason, trigger, kept: file.sha256 };
    await this.record(file, (record, at) => record.refused(payload, at, this.actor));
  }

  /**
   * Writes a record now and, when the ledger does not take it, at each later check until it
   * does (the step key makes a retry that did reach the ledger a no-op). A newer record of the
   * same file replaces an older one not yet written: the ledger's latest says what is in force.
   */
  private async record(file: Watched, write: (record: ConfigurationRecord, at: Date) => Promise<unknown>): Promise<void> {
    const { record } = this.options;
    if (!record) return;
    const at = new Date();
    const attempt = async (): Promise<void> => {
      try {
        await write(record, at);
        if (file.unrecorded === attempt) file.unrecorded = undefined;
      } catch (err) {
        this.options.log(`klaxon api: the ledger did not take the record of ${file.variable}, trying again at the next check: ${reasonOf(err)}`);
      }
    };
    file.unrecorded = attempt;
    await attempt();
  }
}
