import { createServer } from 'node:http';

/**
 * A stand-in for an OpenTelemetry collector's OTLP/HTTP port (bench/observability.sh): takes
 * every export and answers 200 at once, so what a benchmark measures is Klaxon's cost of
 * tracing, not a collector's. Prints what it took when stopped.
 */
const port = Number(process.argv[2] ?? 4318);
let requests = 0;
let bytes = 0;
const server = createServer((req, res) => {
  req.on('data', (c: Buffer) => (bytes += c.length));
  req.on('end', () => {
    requests += 1;
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
server.listen(port, '127.0.0.1', () => console.log(`otlp sink: listening on http://127.0.0.1:${port}`));
process.once('SIGTERM', () => {
  console.log(`otlp sink: ${requests} export requests, ${(bytes / 1024).toFixed(0)} KiB of spans taken`);
  server.close(() => process.exit(0));
});
