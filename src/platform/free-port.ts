import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago (the embedded Postgres, tests and benches listen on one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
