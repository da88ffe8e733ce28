import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { parseScenario } from '../../core/drills/scenario';
import { authorize } from './authorization';
import type { ComplianceDeps } from './compliance';

/** The drill scenarios Klaxon ships (examples/drills/), which the console's "Start a drill" form offers. */
export const SCENARIO_DIR = join(__dirname, '../../examples/drills');

export interface ShippedScenario {
  file: string;
  name: string;
  description?: string;
  /** The YAML, as POST /v1/drills takes it. */
  text: string;
}

/** Read at the first request and kept: they change only with a release (test/unit/drills.test.ts parses each). */
let shipped: ShippedScenario[] | undefined;

export function shippedScenarios(dir = SCENARIO_DIR): ShippedScenario[] {
  shipped ??= readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const { name, description } = parseScenario(text, file);
      return { file, name, ...(description ? { description } : {}), text };
    });
  return shipped;
}

/** `GET /v1/drill-scenarios` (incidents:read): the scenarios Klaxon ships, to start a drill of one as it is or changed. */
export async function drillScenariosRoute(req: IncomingMessage, deps: ComplianceDeps): Promise<{ status: number; body: unknown }> {
  await authorize(req, deps, 'incidents:read');
  return { status: 200, body: { scenarios: shippedScenarios() } };
}
