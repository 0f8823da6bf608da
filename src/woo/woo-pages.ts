import { z } from 'zod';
import { WooError, type WooClient } from './woo-client.js';

/** Typed reads of the shop's collections: every page is validated with zod before anything uses it. */

const item = z.looseObject({ id: z.number().int().positive() });
const itemList = z.array(item);
export type RestItem = z.infer<typeof item>;

export interface Page {
  items: RestItem[];
  total: number;
  totalPages: number;
}

const int = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);

export async function fetchPage(client: WooClient, endpoint: 'orders' | 'customers' | 'webhooks', params: Record<string, unknown>, page: number): Promise<Page> {
  const res = await client.get(endpoint, { ...params, page, per_page: params.per_page ?? 100 });
  const parsed = itemList.safeParse(res.data);
  if (!parsed.success) throw new WooError(null, 'invalid_response', false, `WooCommerce GET ${endpoint} returned an unexpected shape`);
  const totalPages = int(res.headers['x-wp-totalpages']) ?? (parsed.data.length ? page : 0);
  return { items: parsed.data, total: int(res.headers['x-wp-total']) ?? parsed.data.length, totalPages };
}

/** One resource, or null when the shop answers 404 (deleted permanently, or never existed). */
export async function fetchOne(client: WooClient, endpoint: 'orders' | 'customers', id: number): Promise<RestItem | null> {
  try {
    const res = await client.get(`${endpoint}/${id}`);
    const parsed = item.safeParse(res.data);
    if (!parsed.success) throw new WooError(null, 'invalid_response', false, `WooCommerce GET ${endpoint}/:id returned an unexpected shape`);
    return parsed.data;
  } catch (err) {
    if (err instanceof WooError && err.status === 404) return null;
    throw err;
  }
}

export const webhookSchema = z.looseObject({
  id: z.number().int().positive(),
  name: z.string().optional(),
  status: z.string(),
  topic: z.string(),
  delivery_url: z.string(),
  api_version: z.string().optional(),
});
export type ShopWebhook = z.infer<typeof webhookSchema>;

export async function listWebhooks(client: WooClient): Promise<ShopWebhook[]> {
  const all: ShopWebhook[] = [];
  for (let page = 1; ; page++) {
    const res = await client.get('webhooks', { page, per_page: 100 });
    const parsed = z.array(webhookSchema).safeParse(res.data);
    if (!parsed.success) throw new WooError(null, 'invalid_response', false, 'WooCommerce GET webhooks returned an unexpected shape');
    all.push(...parsed.data);
    const totalPages = int(res.headers['x-wp-totalpages']) ?? 1;
    if (page >= totalPages || parsed.data.length === 0) return all;
  }
}
