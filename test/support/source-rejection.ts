import { SourceRejection } from '../../core/sources/source';

/** The SourceRejection `run` throws (anything else thrown fails the test, as does nothing thrown). */
export function rejection(run: () => unknown): SourceRejection {
  try {
    run();
  } catch (err) {
    if (err instanceof SourceRejection) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}
