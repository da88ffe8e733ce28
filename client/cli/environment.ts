import { embeddedWebhookSecret, readStackFile } from './stack-file';

/**
 * The environment the CLI runs with: the caller's variables, completed from the running
 * embedded stack (`.data/stack.json`) for whatever the caller did not set.
 */
export function cliEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const dataDir = env.KLAXON_DATA_DIR || '.data';
  const stack = readStackFile(dataDir);
  return {
    ...env,
    TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS || stack?.temporalAddress,
    DATABASE_URL: env.DATABASE_URL || stack?.databaseUrl,
    KLAXON_API_URL: env.KLAXON_API_URL || stack?.apiUrl || `http://127.0.0.1:${env.PORT || 8080}`,
    KLAXON_WEBHOOK_SECRET: env.KLAXON_WEBHOOK_SECRET || embeddedWebhookSecret(dataDir, false),
    KLAXON_PAYLOAD_KEYS_FILE: env.KLAXON_PAYLOAD_KEYS_FILE || stack?.payloadKeysFile,
  };
}
