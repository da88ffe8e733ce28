import { UsageError } from './command';
import { FindingsError } from './errors';
import { runCli } from './dispatch';
import { cliEnvironment } from './environment';

// The `klaxon` command (bin/klaxon.cjs): what the command prints goes to stdout; an error goes to
// stderr (with --json, to stdout as {"error": …}) and exits 2 for a usage error, 1 for any other;
// findings (coverage gaps) are printed as output and exit 1.
runCli(process.argv.slice(2), cliEnvironment(process.env)).then(
  (out) => console.log(out),
  (err: Error) => {
    if (err instanceof FindingsError) {
      console.log(err.output);
      process.exit(1);
    }
    if (process.argv.includes('--json')) console.log(JSON.stringify({ error: err.message }));
    else console.error(`klaxon: ${err.message}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
