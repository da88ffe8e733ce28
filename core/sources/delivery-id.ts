import { createHash } from 'node:crypto';

/** A short stable id for one delivery, from the parts that make it that delivery. */
export function deliveryIdOf(...parts: Array<string | Buffer>): string {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p).update('\0');
  return hash.digest('hex').slice(0, 32);
}
