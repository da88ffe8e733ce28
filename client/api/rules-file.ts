import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseRules, RulesError, type ClassificationRules } from '../../core/alerts/classification';

/**
 * Reads the classification rules (YAML, or JSON, which is YAML too) named by KLAXON_RULES_FILE.
 * Without a file every alert keeps what its source said and is flagged for triage.
 */
export function loadRulesFile(path: string | undefined): ClassificationRules {
  if (!path) return parseRules({}, '(no rules file)');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RulesError(`KLAXON_RULES_FILE=${path}: ${(err as Error).message}`);
  }
  return rulesFromText(text, path);
}

/** The rules in a file's text: the one check at start and at each reload (client/api/live-configuration.ts). */
export function rulesFromText(text: string, path: string): ClassificationRules {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    // The first line names the problem and where; the lines after it quote the file.
    throw new RulesError(`${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return parseRules(data, path);
}
