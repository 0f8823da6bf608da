import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Pool } from '../platform/db.js';
import { badRequest, notFound } from '../platform/errors.js';
import { findFiscalRow } from './fiscal.repository.js';
import { docs } from '../platform/openapi.js';

const query = z.object({ invoiceNumber: z.string().trim().min(1, 'invoiceNumber is required').max(64) });

/** GET /api/fiscal-archive?invoiceNumber= — the restricted archive (P13), for FISCAL_TOKEN only. */
/** Access (auditors only; ADMIN_TOKEN and the operator role get 403) is decided by operators/access-policy.ts. */
export async function fiscalRoutes(app: FastifyInstance, opts: { pool: Pool }): Promise<void> {
  app.get('/fiscal-archive', docs({
    summary: 'One invoice from the restricted fiscal archive (auditors and FISCAL_TOKEN only; the operator role gets 403)',
    tags: ['fiscal archive'], querystring: query, examples: { querystring: { invoiceNumber: 'WC-2026-00042' } },
    responses: { 200: { description: 'the archived invoice row', example: {
      id: 17, wcOrderId: 1042, invoiceNumber: 'WC-2026-00042', invoiceDate: '2026-03-14T00:00:00.000Z', currency: 'EUR', pricesIncludeTax: true,
      amounts: { total: '59.95', totalTax: '10.40' }, lines: [{ name: 'Teapot', quantity: 1, total: '49.95' }], creditNotes: [],
      billingName: 'Jan Jansen', billingCompany: null, billingAddress: { city: 'Utrecht', country: 'NL' }, retainUntil: '2033-12-31',
      archivedAt: '2026-03-14T10:00:00.000Z', anonymisedAt: null,
    } } },
  }), async (req) => {
    const parsed = query.safeParse(req.query);
    if (!parsed.success) throw badRequest(parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '), 'invalid_request');
    const row = await findFiscalRow(opts.pool, parsed.data.invoiceNumber);
    if (!row) throw notFound(`no invoice ${parsed.data.invoiceNumber} in the fiscal archive`);
    req.log.info({ fiscalRowId: row.id }, 'fiscal archive read');
    return row;
  });
}
