import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface SelfSignedCert {
  key: string;
  cert: string;
}

let cached: Promise<SelfSignedCert> | undefined;

/**
 * A throwaway self-signed certificate for 127.0.0.1 (and localhost), made once per process with the `openssl` CLI.
 * Clients trust it by passing `cert` as their `ca`.
 */
export function selfSignedCert(): Promise<SelfSignedCert> {
  cached ??= makeCert().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function makeCert(): Promise<SelfSignedCert> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-woo-tls-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    const [key, cert] = await Promise.all([readFile(keyFile, 'utf8'), readFile(certFile, 'utf8')]);
    return { key, cert };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
