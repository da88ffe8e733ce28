import clientSideLeak from '../examples/drills/client-side-pii-leak.yaml';
import crossTenant from '../examples/drills/cross-tenant-api-response.yaml';
import leakedCredentials from '../examples/drills/leaked-credentials-in-logs.yaml';

/**
 * The scenarios Klaxon ships (examples/drills/), bundled into the console as their text, so the
 * "Start a drill" form offers them without a route of its own: the YAML goes to POST /v1/drills
 * as a pasted one does, and the API alone decides whether it holds.
 */
export const SHIPPED_SCENARIOS: ReadonlyArray<{ file: string; text: string }> = [
  { file: 'client-side-pii-leak.yaml', text: clientSideLeak },
  { file: 'cross-tenant-api-response.yaml', text: crossTenant },
  { file: 'leaked-credentials-in-logs.yaml', text: leakedCredentials },
];
