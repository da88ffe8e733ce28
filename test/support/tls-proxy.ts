import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Child, freePort } from './processes';
import { waitFor } from './waiting';

/**
 * A Temporal server behind TLS that demands a client certificate, as a self-hosted cluster with
 * mTLS (or Temporal Cloud's mTLS namespaces) is: Debian's nginx terminating TLS and passing gRPC
 * on, with certificates openssl makes for the test.
 */

export interface TestCertificates {
  /** The CA that signed the server and the client. */
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate of another CA, which the proxy must refuse. */
  strangerCert: string;
  strangerKey: string;
}

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** A CA, a server certificate for 127.0.0.1 and localhost, a client certificate, and a stranger's from another CA. */
export function makeCertificates(dir: string): TestCertificates {
  mkdirSync(dir, { recursive: true });
  const ca = (name: string) => openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`]);
  const signed = (name: string, by: string, extensions: string) => {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${by}.crt`, '-CAkey', `${by}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
  };
  ca('test-ca');
  ca('stranger-ca');
  signed('server', 'test-ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed('klaxon-worker', 'test-ca', 'extendedKeyUsage=clientAuth\n');
  signed('stranger', 'stranger-ca', 'extendedKeyUsage=clientAuth\n');
  const at = (file: string) => join(dir, file);
  return {
    caCert: at('test-ca.crt'),
    serverCert: at('server.crt'),
    serverKey: at('server.key'),
    clientCert: at('klaxon-worker.crt'),
    clientKey: at('klaxon-worker.key'),
    strangerCert: at('stranger.crt'),
    strangerKey: at('stranger.key'),
  };
}

/** Starts nginx on a free port: TLS with `certs`' server certificate, client certificates of its CA required, gRPC passed to `upstream`. */
export async function startGrpcTlsProxy(dir: string, certs: TestCertificates, upstream: string): Promise<{ address: string; child: Child }> {
  const port = await freePort();
  mkdirSync(join(dir, 'logs'), { recursive: true });
  // Temporal's long polls last about a minute: the proxy must not cut them at nginx's 60 s default.
  const conf = `
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
worker_processes 1;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${certs.serverCert};
    ssl_certificate_key ${certs.serverKey};
    ssl_client_certificate ${certs.caCert};
    ssl_verify_client on;
    location / {
      grpc_pass grpc://${upstream};
      grpc_read_timeout 300s;
      grpc_send_timeout 300s;
    }
  }
}
`;
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, conf);
  // As root, nginx's workers run as `nobody`: the key files they never read stay the master's.
  const child = Child.start('nginx', ['-p', dir, '-c', confFile, '-g', 'daemon off;'], process.env);
  await waitFor('nginx listening', async () => {
    if (child.process.exitCode !== null) throw new Error(`nginx exited: ${child.output}`);
    return fetch(`https://127.0.0.1:${port}/`).then(
      () => true,
      (err: Error & { cause?: { code?: string } }) => err.cause?.code !== 'ECONNREFUSED',
    );
  });
  return { address: `127.0.0.1:${port}`, child };
}
