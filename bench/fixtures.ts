import { createHmac } from 'node:crypto';

/**
 * Realistic WooCommerce REST v3 order bodies (2.3–2.9 KB, ~2.5 KB on average) as webhooks deliver them: PHP's json_encode output
 * (`/` → `\/`, non-ASCII → \uXXXX), signed like WooCommerce signs them. Deterministic (seeded PRNG), so two
 * runs post the same bytes. Self-contained: test/ is not part of the build.
 */

export const SHOP = 'https://shop.example/';
export const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789abcdefghij';

/** PHP's json_encode as WordPress calls it. The signature covers exactly these bytes. */
export function phpJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const signBody = (body: string | Buffer, secret = WEBHOOK_SECRET): string =>
  createHmac('sha256', secret).update(body).digest('base64');

/** Headers WooCommerce's Hookshot sends with every delivery (signature added per body). */
export function webhookHeaders(topic: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'WooCommerce/10.3.4 Hookshot (WordPress/6.8.1)',
    'x-wc-webhook-source': SHOP,
    'x-wc-webhook-topic': topic,
    'x-wc-webhook-resource': topic.split('.')[0]!,
    'x-wc-webhook-event': topic.split('.')[1] ?? '',
    'x-wc-webhook-id': '7',
    'x-wc-webhook-delivery-id': 'b1946ac92492d2347c6235b4d2611184',
  };
}

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ann', 'Émile', 'Jörg', 'Søren', 'María', 'Zoë', 'Pieter', 'Chloé', 'Łukasz', 'Inès', 'Noah', 'Fatima', 'Bjørn', 'Renée', 'Tomás'];
const LAST = ['Lee', 'Müller', 'de Vries', 'García', 'Nørgaard', 'Dubois', 'Janssen', 'Kowalski', 'Rossi', "O'Brien", 'Şahin', 'Bakker'];
const STREETS = ['Keizersgracht', 'Hauptstraße', 'Rue de la Paix', 'Calle Mayor', 'Nørrebrogade', 'Via Roma', 'Prinsengracht'];
const CITIES: [string, string, string][] = [
  ['Amsterdam', '1015 AA', 'NL'], ['Köln', '50667', 'DE'], ['Paris', '75002', 'FR'], ['Madrid', '28013', 'ES'],
  ['København', '2200', 'DK'], ['Roma', '00184', 'IT'], ['Utrecht', '3511 LX', 'NL'],
];
const PRODUCTS: [number, string, string, number][] = [
  [10, 'Mok – blauw', 'MUG-BLUE', 10], [11, 'Theepot “Delft”', 'TEAPOT-DELFT', 34.5], [12, 'Onderzetters (set van 4)', 'COAST-4', 12],
  [13, 'Schort – linnen', 'APRON-LIN', 24.95], [14, 'Kaasschaaf', 'CHEESE-SLC', 8.5], [15, 'Koffiebonen 1 kg — espresso', 'BEANS-ESP-1K', 21],
];
const PAYMENTS: [string, string][] = [['ideal', 'iDEAL'], ['stripe', 'Creditcard (Stripe)'], ['paypal', 'PayPal'], ['bacs', 'Bankoverschrijving']];

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const money = (n: number) => n.toFixed(2);
const pad = (n: number) => String(n).padStart(2, '0');
const gmt = (ms: number) => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};

export interface OrderSpec {
  id: number;
  /** Index of the person placing the order; the same index gives the same email and name. */
  person: number;
  /** Registered customers carry a WooCommerce customer id; guests 0. */
  customerId: number;
  seed: number;
}

/** A WooCommerce order object (REST v3 shape) — the parsed form of a webhook body. */
export function orderObject(s: OrderSpec): Record<string, unknown> {
  const rnd = prng(s.seed);
  const prnd = prng(s.person * 7919 + 17); // stable per person
  const first = pick(prnd, FIRST);
  const last = pick(prnd, LAST);
  const [city, postcode, country] = pick(prnd, CITIES);
  const street = `${pick(prnd, STREETS)} ${1 + Math.floor(prnd() * 300)}`;
  const email = `${first.normalize('NFD').replace(/[^\x20-\x7e]/g, '').toLowerCase()}.${s.person}@example.com`;
  const created = Date.UTC(2025, 0, 1) + Math.floor(rnd() * 300 * 86_400_000);
  const modified = created + 60_000 + Math.floor(rnd() * 3_600_000);
  const [pm, pmTitle] = pick(rnd, PAYMENTS);
  const items = Array.from({ length: rnd() < 0.75 ? 1 : 2 }, (_, i) => {
    const [productId, name, sku, price] = pick(rnd, PRODUCTS);
    const quantity = 1 + Math.floor(rnd() * 3);
    const subtotal = price * quantity;
    const tax = Math.round(subtotal * 0.21 * 100) / 100;
    return {
      id: 100 + i, name, product_id: productId, variation_id: 0, quantity, tax_class: '',
      subtotal: money(subtotal), subtotal_tax: money(tax), total: money(subtotal), total_tax: money(tax),
      taxes: [{ id: 1, total: String(tax), subtotal: String(tax) }], meta_data: [], sku, price,
    };
  });
  const itemsTotal = items.reduce((n, l) => n + Number(l.total), 0);
  const itemsTax = items.reduce((n, l) => n + Number(l.total_tax), 0);
  const hasCoupon = rnd() < 0.15;
  const discount = hasCoupon ? Math.round(itemsTotal * 10) / 100 : 0;
  const shipping = 4.9;
  const shippingTax = 1.03;
  const total = itemsTotal - discount + itemsTax + shipping + shippingTax;
  const registered = s.customerId > 0;
  const ip = rnd() < 0.8 ? `203.0.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}` : `2001:db8:${Math.floor(rnd() * 65535).toString(16)}::${Math.floor(rnd() * 65535).toString(16)}`;
  const orderKey = `wc_order_${Math.floor(rnd() * 36 ** 9).toString(36).padStart(9, '0')}`;
  const address = { first_name: first, last_name: last, company: '', address_1: street, address_2: '', city, state: '', postcode, country };
  return {
    id: s.id, parent_id: 0, status: rnd() < 0.8 ? 'processing' : 'completed', currency: 'EUR', version: '10.3.4',
    prices_include_tax: false,
    date_created: gmt(created), date_created_gmt: gmt(created), date_modified: gmt(modified), date_modified_gmt: gmt(modified),
    discount_total: money(discount), discount_tax: '0.00', shipping_total: money(shipping), shipping_tax: money(shippingTax),
    cart_tax: money(itemsTax), total: money(total), total_tax: money(itemsTax + shippingTax), customer_id: s.customerId,
    order_key: orderKey,
    billing: { ...address, email, phone: `+31 6 ${10000000 + (s.person % 89999999)}` },
    shipping: { ...address, phone: '' },
    payment_method: pm, payment_method_title: pmTitle, transaction_id: `tr_${s.seed.toString(36)}`,
    customer_ip_address: ip, customer_user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
    created_via: 'checkout', customer_note: rnd() < 0.1 ? 'Graag bij de buren afgeven als ik niet thuis ben.' : '',
    date_completed: null, date_completed_gmt: null, date_paid: gmt(modified), date_paid_gmt: gmt(modified),
    cart_hash: 'd41d8cd98f00b204e9800998ecf8427e', number: String(s.id),
    meta_data: [{ id: 1, key: 'is_vat_exempt', value: 'no' }],
    line_items: items,
    tax_lines: [{ id: 3, rate_code: `${country}-VAT-1`, rate_id: 1, label: 'BTW', compound: false, tax_total: money(itemsTax), shipping_tax_total: money(shippingTax), rate_percent: 21, meta_data: [] }],
    shipping_lines: [{ id: 2, method_title: 'PostNL', method_id: 'flat_rate', instance_id: '1', total: money(shipping), total_tax: money(shippingTax), taxes: [{ id: 1, total: String(shippingTax), subtotal: '' }], meta_data: [] }],
    fee_lines: [],
    coupon_lines: hasCoupon ? [{ id: 4, code: 'welkom10', discount: money(discount), discount_tax: '0.00', meta_data: [] }] : [],
    refunds: [],
    payment_url: `https://shop.example/checkout/order-pay/${s.id}/?pay_for_order=true&key=${orderKey}`,
    is_editable: false, needs_payment: false, needs_processing: true,
    _links: {
      self: [{ href: `https://shop.example/wp-json/wc/v3/orders/${s.id}` }],
      ...(registered ? { customer: [{ href: `https://shop.example/wp-json/wc/v3/customers/${s.customerId}` }] } : {}),
    },
  };
}

/**
 * The order population of a shop: `count` orders by roughly 0.6 × count people, about a third of them registered
 * customers (repeat buyers share an email and, if registered, a customer id).
 */
export function orderSpecs(count: number, firstId = 10_000, seed = 42): OrderSpec[] {
  const rnd = prng(seed);
  const people = Math.max(1, Math.round(count * 0.6));
  return Array.from({ length: count }, (_, i) => {
    const person = Math.floor(rnd() * people);
    const customerId = person % 3 === 0 ? 5000 + person : 0;
    return { id: firstId + i, person, customerId, seed: seed * 1_000_003 + i };
  });
}

/** A PHP-escaped order body for a spec. */
export const orderBody = (s: OrderSpec): string => phpJson(orderObject(s));

/**
 * A body template with the order id cut out, so a load generator can make unique bodies cheaply:
 * parts.join(String(id)). The id occurs in several places (id, number, order_key, URLs).
 */
export function orderTemplate(s: Omit<OrderSpec, 'id'>): string[] {
  const MARK = 987654321;
  const body = phpJson(orderObject({ ...s, id: MARK }));
  return body.split(String(MARK));
}
