import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, sourceFiles } from '../support/source-graph';

/**
 * Every error class of Klaxon says its own name: logs print it, the crash guard names it, and
 * Temporal turns an activity's error into a failure whose type is the error's name (a class that
 * leaves `name` as "Error" makes every one of them look alike).
 */
/** Constructors that take more than text. */
const ARGUMENTS: Record<string, unknown[]> = { AlertValidationError: [['title is empty']], ScenarioError: ['drill.yaml', [{ line: 3, field: 'alert.title', message: 'is empty' }]] };

describe('error classes', () => {
  const classes = sourceFiles().flatMap((file) =>
    [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^export class (\w+) extends \w*Error\b/gm)].map(([, name]) => ({ file, name })),
  );

  it('are found (the scan reads the source)', () => {
    expect(classes.map((c) => c.name)).toEqual(expect.arrayContaining(['ConfigError', 'IncidentRuleError', 'HttpError', 'UsageError', 'SetupError']));
  });

  it.each(classes.map((c) => [c.name, c.file]))('%s (%s) names itself', (name, file) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Class = require(join(ROOT, file))[name] as new (...args: unknown[]) => Error;
    const error = new Class(...(ARGUMENTS[name] ?? ['x', 'y', 'z']));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
  });
});
