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

/**
 * P13: the fiscal archive answers only FISCAL_TOKEN. The operator token is recognised and refused with 403
 * (personnel lose access); anything else is 401. Without FISCAL_TOKEN configured nobody can read it.
 */
export function fiscalAuth(fiscalToken: string | null, adminToken: string) {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  const fiscal = fiscalToken ? digest(fiscalToken) : null;
  const admin = digest(adminToken);
  return async function requireFiscal(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const given = digest(match?.[1]?.trim() ?? '');
    if (match && fiscal && timingSafeEqual(given, fiscal)) return;
    if (match && timingSafeEqual(given, admin)) {
      throw new AppError(403, 'forbidden', 'the fiscal archive is readable only with FISCAL_TOKEN (P13: personnel lose access)');
    }
    throw new AppError(401, 'unauthorized', 'missing or invalid bearer token');
  };
}
