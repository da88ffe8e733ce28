// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
/**
 * Removes personal data from text before it is stored (ledger, Temporal) or leaves for Slack,
 * PagerDuty or email: the alert describes a leak, and the record must not leak it again.
 * Patterns are deliberately broad; a false positive costs a word, a miss costs a second breach.
 *
 * Everything here runs in time linear in the text, whatever the text (1 MiB in milliseconds):
 * the text comes from outside, and a pattern that backtracks (`[\w-]+\.` tried from every
 * `eyJ` of `eyJ-eyJ-…`, an e-mail's local part tried from every letter of `aaaa…`) lets one
 * request hold the process for seconds. Tokens and addresses are found by the scanners below;
 * the remaining regular expressions either have bounded quantifiers or end where a run of
 * their own characters ends, so no attempt rescans what another attempt read.
 */

type Replacement = string | ((match: string, ...groups: string[]) => string);

/**
 * Secrets known by their shape or by the name they stand under. Every quantifier is bounded,
 * and an attempt starts only at a fixed prefix (`AKIA`, `ghp_`, `Bearer`, `password`…), so the
 * work per character stays constant.
 */
const CREDENTIALS: Array<[RegExp, Replacement]> = [
  // AWS access key ids; GitHub tokens (classic and fine-grained); Stripe restricted keys.
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, '[secret]'],
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255})/g, '[secret]'],
  [/\brk_(?:live|test)_[A-Za-z0-9]{10,255}/g, '[secret]'],
  // `Authorization: Bearer …` / `Basic …`: the credential, whatever its shape.
  [/\b(Bearer|Basic)([ \t]{1,8})[A-Za-z0-9._~+/=-]{8,4096}/g, '$1$2[secret]'],
  // A value under a credential's name: `password=…`, `passwd: …`, `"api_key": "…"`, `aws_secret_access_key = …`.
  [/\b((?:aws_secret_access_key|client_secret|secret_key|password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)["']?[ \t]{0,8}[:=][ \t]{0,8}["']?)[^\s"',;&]{1,1024}/gi, '$1[secret]'],
];

// Order matters: tokens and addresses go first, before the digit patterns could split them.
const AFTER_ADDRESSES: Array<[RegExp, Replacement]> = [
  // IBANs before the digit patterns, which would take their digits for a phone or a card.
  [/\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g, (m) => (isIban(m) ? '[iban]' : m)],
  [/\b\d{3}-\d{2}-\d{4}\b/g, '[ssn]'],
  // Card numbers: 13–19 digits, optionally grouped by spaces, dashes, slashes or dots.
  [/\b(?:\d[ ./-]?){12,18}\d\b/g, '[number]'],
  // IPv6 (checked, so clock times like 10:30:00 stay); IPv4-mapped tails are left to the IPv4 pattern.
  [/(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g, (m) => (isIpv6(m) ? '[ip]' : m)],
  [/\b(?:\d{1,3}\.){3}\d{1,3}\b/g, '[ip]'],
  // Linear: an attempt that fails had no digit 8 places on in its run, so at most 8 attempts read a run.
  [/\+?\d[\d ().-]{7,}\d/g, '[phone]'],
];

export function redact(text: string): string {
  // NFKC first: full-width digits and `＠`, ligatures and the like read as what they look like,
  // so `４１１１…` and `john＠example.com` are found as a card and an address.
  let out = text.normalize('NFKC');
  for (const [pattern, replacement] of CREDENTIALS) out = out.replace(pattern, replacement as string);
  out = redactEmails(redactTokens(out));
  for (const [pattern, replacement] of AFTER_ADDRESSES) out = out.replace(pattern, replacement as string);
  return out;
}

/** Countries that issue IBANs: with the check digits, a random capitalised word is not taken for one. */
const IBAN_COUNTRIES = new Set('AD AE AL AT AZ BA BE BG BH BR BY CH CR CY CZ DE DK DO EE EG ES FI FO FR GB GE GI GL GR GT HR HU IE IL IQ IS IT JO KW KZ LB LC LI LT LU LV MC MD ME MK MR MT MU NL NO PK PL PS PT QA RO RS SA SC SE SI SK SM ST SV TL TN TR UA VA VG XK'.split(' '));

/** An IBAN by ISO 13616: a known country and check digits that make the number 1 modulo 97. */
function isIban(candidate: string): boolean {
  const iban = candidate.replaceAll(' ', '');
  if (!IBAN_COUNTRIES.has(iban.slice(0, 2))) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (let i = 0; i < moved.length; i += 1) {
    const c = moved.charCodeAt(i);
    // Digits stand for themselves, letters for 10 (A) to 35 (Z).
    rest = (isDigit(c) ? rest * 10 + (c - 48) : rest * 100 + (c - 55)) % 97;
  }
  return rest === 1;
}

/** Eight groups, or fewer with one `::`, each of at most four hex digits. */
function isIpv6(candidate: string): boolean {
  const gap = candidate.indexOf('::');
  if (gap !== candidate.lastIndexOf('::')) return false;
  const groups = candidate.split(':').filter((g) => g !== '');
  if (gap === -1) return groups.length === 8 && !candidate.startsWith(':') && !candidate.endsWith(':');
  return groups.length <= 7 && !candidate.includes(':::');
}

/** Where a token may start: only the runs holding one are split and looked at. */
const TOKEN_START = /eyJ|[sp]k[-_]|xox[abpr][-_]/g;
const isRunChar = (c: number): boolean => isLetter(c) || isDigit(c) || c === 95 || c === 46 || c === 45;

/**
 * Tokens, exactly those `\b(?:eyJ[\w-]+\.[\w-]+\.[\w-]+|(?:sk|pk|xox[abpr])[-_][\w-]{10,})`
 * finds, without its backtracking: each maximal run of `[\w.-]` that holds a possible start is
 * read once (see tokensInRun).
 */
function redactTokens(text: string): string {
  let out = '';
  let copied = 0;
  TOKEN_START.lastIndex = 0;
  for (let hit = TOKEN_START.exec(text); hit; hit = TOKEN_START.exec(text)) {
    let start = hit.index;
    while (start > copied && isRunChar(text.charCodeAt(start - 1))) start -= 1;
    let end = TOKEN_START.lastIndex;
    while (end < text.length && isRunChar(text.charCodeAt(end))) end += 1;
    out += text.slice(copied, start) + tokensInRun(text.slice(start, end));
    copied = end;
    TOKEN_START.lastIndex = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * The tokens of one run of `[\w.-]`: a JSON Web Token (`eyJ…` and two more dot-separated
 * segments) or an API key by its vendor's prefix (the rest of its segment, ten characters or
 * more), each starting at a word boundary (the run's start, or after `.` or `-`), leftmost first.
 * Segments are walked by index, not split out: a megabyte of `-eyJ.` is 200,000 segments.
 */
function tokensInRun(run: string): string {
  let out = '';
  let copied = 0;
  let found = false;
  for (let segment = 0; segment <= run.length; ) {
    const end = dotOrEnd(run, segment);
    const token = tokenIn(run, segment, end, twoSegmentsAfter(run, end));
    if (!token) {
      segment = end + 1;
      continue;
    }
    // A JWT takes its two following segments with it; a key, the rest of its segment.
    const stop = token.kind === 'jwt' ? dotOrEnd(run, dotOrEnd(run, end + 1) + 1) : end;
    out += `${run.slice(copied, token.at)}[secret]`;
    copied = stop;
    found = true;
    segment = stop + 1;
  }
  return found ? out + run.slice(copied) : run;
}

const dotOrEnd = (run: string, from: number): number => {
  const dot = run.indexOf('.', from);
  return dot === -1 ? run.length : dot;
};

/** Whether the two segments after the one ending at `end` exist and are not empty. */
function twoSegmentsAfter(run: string, end: number): boolean {
  const next = end + 1;
  if (next >= run.length || run.charCodeAt(next) === 46) return false;
  const second = dotOrEnd(run, next) + 1;
  return second < run.length && run.charCodeAt(second) !== 46;
}

/** The first token starting at a word boundary of the segment [from, to); a JWT only when two segments follow it. */
function tokenIn(run: string, from: number, to: number, twoFollow: boolean): { at: number; kind: 'jwt' | 'key' } | undefined {
  for (let at = from; at < to; ) {
    if (twoFollow && run.startsWith('eyJ', at) && at + 3 < to) return { at, kind: 'jwt' };
    if (isKeyAt(run, at, to)) return { at, kind: 'key' };
    // The next boundary within the segment only: looking past it would read later segments again.
    let dash = at;
    while (dash < to && run.charCodeAt(dash) !== 45) dash += 1;
    at = dash + 1;
  }
  return undefined;
}

/** `(?:sk|pk|xox[abpr])[-_]` at `at`, then ten or more characters to the segment's end `to`. */
function isKeyAt(run: string, at: number, to: number): boolean {
  const prefix = run.startsWith('sk', at) || run.startsWith('pk', at) ? 2 : run.startsWith('xox', at) && at + 3 < to && 'abpr'.includes(run[at + 3]) ? 4 : 0;
  const sep = run.charCodeAt(at + prefix);
  return prefix > 0 && at + prefix < to && (sep === 45 || sep === 95) && to - (at + prefix + 1) >= 10;
}

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** `[A-Za-z0-9.-]`, what a domain is made of. */
const isDomainChar = (c: number): boolean => isLetter(c) || isDigit(c) || c === 46 || c === 45;
/** `[A-Za-z0-9._%+-]`, what a local part is made of. */
const isLocalChar = (c: number): boolean => isDomainChar(c) || c === 95 || c === 37 || c === 43;

/**
 * E-mail addresses, exactly those `[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}` finds: each
 * `@` is looked at once, its local part read leftwards to the previous address or separator,
 * its domain rightwards to the next separator (an `@` among them), so every character is read
 * at most twice.
 */
function redactEmails(text: string): string {
  let out = '';
  let copied = 0;
  for (let at = text.indexOf('@'); at !== -1; ) {
    let start = at;
    while (start > copied && isLocalChar(text.charCodeAt(start - 1))) start -= 1;
    const end = start < at ? domainEnd(text, at + 1) : -1;
    if (end === -1) {
      at = text.indexOf('@', at + 1);
      continue;
    }
    out += `${text.slice(copied, start)}[email]`;
    copied = end;
    at = text.indexOf('@', end);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Where the domain starting at `from` ends: after the letters of its last `.xx` (two letters or more), or -1. */
function domainEnd(text: string, from: number): number {
  let runEnd = from;
  while (runEnd < text.length && isDomainChar(text.charCodeAt(runEnd))) runEnd += 1;
  // The last dot with a label before it and two letters after it, as backtracking would settle on.
  for (let dot = runEnd - 3; dot > from; dot -= 1) {
    if (text.charCodeAt(dot) === 46 && isLetter(text.charCodeAt(dot + 1)) && isLetter(text.charCodeAt(dot + 2))) {
      let end = dot + 3;
      while (end < runEnd && isLetter(text.charCodeAt(end))) end += 1;
      return end;
    }
  }
  return -1;
}
