import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Pool } from '../platform/db.js';
import { badRequest, notFound } from '../platform/errors.js';
import { findFiscalRow } from './fiscal.repository.js';

const query = z.object({ invoiceNumber: z.string().trim().min(1, 'invoiceNumber is required').max(64) });

/** GET /api/fiscal-archive?invoiceNumber= — the restricted archive (P13), for FISCAL_TOKEN only. */
/** Access (auditors only; ADMIN_TOKEN and the operator role get 403) is decided by operators/access-policy.ts. */
export async function fiscalRoutes(app: FastifyInstance, opts: { pool: Pool }): Promise<void> {
  app.get('/fiscal-archive', async (req) => {
    const parsed = query.safeParse(req.query);
    if (!parsed.success) throw badRequest(parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '), 'invalid_request');
    const row = await findFiscalRow(opts.pool, parsed.data.invoiceNumber);
    if (!row) throw notFound(`no invoice ${parsed.data.invoiceNumber} in the fiscal archive`);
    req.log.info({ fiscalRowId: row.id }, 'fiscal archive read');
    return row;
  });
}
