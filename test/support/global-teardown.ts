/** Prints the summary line the summary reporter kept, after jest's own summary. */
export default async function globalTeardown(): Promise<void> {
  const line = (globalThis as { klaxonTestSummary?: string }).klaxonTestSummary;
  if (line) process.stdout.write(`\n${line}\n`);
}
