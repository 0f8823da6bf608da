import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

/** P4: operator endpoints need the bearer token; compared in constant time (digests have equal length). */
export function bearerAuth(token: string) {
  const expected = createHash('sha256').update(token).digest();
  return async function requireBearer(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const given = createHash('sha256').update(match?.[1]?.trim() ?? '').digest();
    if (!match || !timingSafeEqual(given, expected)) {
      throw new AppError(401, 'unauthorized', 'missing or invalid bearer token');
    }
  };
}
