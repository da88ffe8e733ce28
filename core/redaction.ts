/**
 * Removes personal data from text before it leaves for Slack, PagerDuty or email: the alert
 * describes a leak, and the page must not leak it again. Patterns are deliberately broad;
 * a false positive costs a word, a miss costs a second breach.
 */
// Order matters: tokens and addresses go first, before the digit patterns could split them.
const PATTERNS: Array<[RegExp, string]> = [
  [/\b(?:eyJ[\w-]+\.[\w-]+\.[\w-]+|(?:sk|pk|xox[abpr])[-_][\w-]{10,})/g, '[secret]'],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]'],
  [/\b\d{3}-\d{2}-\d{4}\b/g, '[ssn]'],
  // Card numbers: 13–19 digits, optionally grouped by spaces or dashes.
  [/\b(?:\d[ -]?){12,18}\d\b/g, '[number]'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}\b/g, '[ip]'],
  [/\+?\d[\d ().-]{7,}\d/g, '[phone]'],
];

export function redact(text: string): string {
  return PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}
