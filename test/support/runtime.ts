import { DefaultLogger, Runtime } from '@temporalio/worker';

/**
 * Installs the SDK runtime with warnings from the SDK and errors from its core only: the
 * time-skipping server draws a harmless core warning on every worker start.
 */
export function installTestRuntime(): void {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
}
