import type { Queryable } from '../platform/db.js';
import type { WooClient } from '../woo/woo-client.js';
import { safeError } from '../platform/logger.js';
import type { Logger } from 'pino';

/**
 * WC_ERASE_WRITEBACK=true: after our erasure, the person is anonymised in the shop too, through the REST API —
 * the customer's billing/shipping emptied (as WooCommerce's own customer eraser does) and each order's contact
 * data replaced by WooCommerce's placeholders. IP address and user agent are read-only over REST, so they are
 * recorded `manual_required` (WooCommerce → Tools → Erase Personal Data does them). The order.updated and
 * customer.updated webhooks this causes carry anonymised data and change nothing here.
 */

const EMPTY_ADDRESS = { first_name: '', last_name: '', company: '', address_1: '', address_2: '', city: '', postcode: '', state: '', country: '', phone: '' };
const DELETED_ADDRESS = {
  first_name: '[deleted]', last_name: '[deleted]', company: '[deleted]', address_1: '[deleted]', address_2: '[deleted]',
  city: '[deleted]', postcode: '[deleted]', state: '', country: '', phone: '',
};

/* $1 person id — read before the erasure: the shop ids survive it, but this is the one moment they are certain */
const SHOP_IDS = /* sql */ `
  SELECT wc_customer_id, COALESCE((SELECT array_agg(wc_order_id ORDER BY wc_order_id) FROM orders WHERE person_id = $1), '{}') AS orders
  FROM persons WHERE id = $1`;

export async function shopIdsOf(db: Queryable, personId: number): Promise<{ customer: number | null; orders: number[] }> {
  const r = (await db.query<{ wc_customer_id: string | null; orders: string[] }>(SHOP_IDS, [personId])).rows[0];
  return { customer: r?.wc_customer_id ? Number(r.wc_customer_id) : null, orders: (r?.orders ?? []).map(Number) };
}

export interface ShopErasureResult {
  customer: 'done' | 'failed' | 'none';
  orders: { done: number; failed: number };
  manualRequired: string[];
}

export async function eraseInShop(woo: WooClient, ids: { customer: number | null; orders: number[] }, log: Logger): Promise<ShopErasureResult> {
  const result: ShopErasureResult = { customer: 'none', orders: { done: 0, failed: 0 }, manualRequired: ['ip_address', 'user_agent'] };
  if (ids.customer !== null) {
    try {
      await woo.put(`customers/${ids.customer}`, { first_name: '', last_name: '', billing: { ...EMPTY_ADDRESS, email: '' }, shipping: EMPTY_ADDRESS });
      result.customer = 'done';
    } catch (err) {
      log.warn({ err: safeError(err) }, 'shop erasure of the customer account failed');
      result.customer = 'failed';
      result.manualRequired.push('customer_account');
    }
  }
  for (const id of ids.orders) {
    try {
      await woo.put(`orders/${id}`, {
        billing: { ...DELETED_ADDRESS, email: 'deleted@site.invalid', phone: '' }, shipping: DELETED_ADDRESS, customer_id: 0, transaction_id: '0',
      });
      result.orders.done++;
    } catch (err) {
      log.warn({ wcOrderId: id, err: safeError(err) }, 'shop erasure of an order failed');
      result.orders.failed++;
    }
  }
  if (result.orders.failed) result.manualRequired.push('orders');
  return result;
}
