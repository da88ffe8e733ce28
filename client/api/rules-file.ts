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
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new RulesError(`${path}: not valid YAML: ${(err as Error).message}`);
  }
  return parseRules(data, path);
}
