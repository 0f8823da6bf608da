import { z } from 'zod';

/** zod for what WooCommerce sends (REST v3 shapes, as in webhook bodies). Unknown keys are dropped (P1). */

const DECIMAL = /^-?\d+(\.\d+)?$/;
/** Money as exact decimal text; JSON numbers are taken as their literal text, never as floats. */
export const money = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .refine((v) => DECIMAL.test(v), 'expected a decimal amount');
const moneyOrZero = z.preprocess((v) => (v === '' || v === null || v === undefined ? '0' : v), money);

const GMT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;
/** WooCommerce's *_gmt dates have no zone designator; they are UTC. Output: ISO-8601 with Z. */
export const gmtDate = z
  .string()
  .regex(GMT, 'expected a date-time')
  .transform((v) => new Date(/(Z|[+-]\d{2}:?\d{2})$/.test(v) ? v : `${v}Z`).toISOString());
const optionalDate = z.preprocess((v) => (v === '' ? null : v), gmtDate.nullish()).transform((v) => v ?? null);

const text = z.preprocess((v) => (v === null || v === undefined ? '' : v), z.union([z.string(), z.number()]).transform(String));

export const addressSchema = z
  .object({
    first_name: text, last_name: text, company: text, address_1: text, address_2: text,
    city: text, state: text, postcode: text, country: text, email: text.optional(), phone: text.optional(),
  })
  .partial()
  .transform((a) => ({
    firstName: a.first_name ?? '', lastName: a.last_name ?? '', company: a.company ?? '',
    address1: a.address_1 ?? '', address2: a.address_2 ?? '', city: a.city ?? '', state: a.state ?? '',
    postcode: a.postcode ?? '', country: a.country ?? '', email: a.email ?? '', phone: a.phone ?? '',
  }));
export type Address = z.output<typeof addressSchema>;

const id = z.number().int().nonnegative();
const lineTaxes = z.array(z.object({ id: id.optional(), total: moneyOrZero, subtotal: moneyOrZero.optional() })).optional();

export const orderSchema = z.object({
  id: id.refine((v) => v > 0, 'expected a positive order id'),
  parent_id: id.optional(),
  number: text.optional(),
  status: z.string().min(1),
  currency: z.string().min(1).max(10),
  prices_include_tax: z.boolean().optional(),
  date_created_gmt: optionalDate,
  date_modified_gmt: optionalDate,
  date_paid_gmt: optionalDate,
  date_completed_gmt: optionalDate,
  discount_total: moneyOrZero, discount_tax: moneyOrZero, shipping_total: moneyOrZero, shipping_tax: moneyOrZero,
  cart_tax: moneyOrZero, total: money, total_tax: moneyOrZero,
  customer_id: id.default(0),
  customer_ip_address: z.string().optional(),
  billing: addressSchema.prefault({}),
  shipping: addressSchema.prefault({}),
  payment_method: text.optional(),
  payment_method_title: text.optional(),
  transaction_id: text.optional(),
  line_items: z.array(z.object({
    id: id.optional(), name: text, product_id: id.optional(), variation_id: id.optional(),
    quantity: z.number(), tax_class: text.optional(), subtotal: moneyOrZero, subtotal_tax: moneyOrZero.optional(),
    total: moneyOrZero, total_tax: moneyOrZero, sku: z.string().nullish(), taxes: lineTaxes,
  })).default([]),
  tax_lines: z.array(z.object({
    id: id.optional(), rate_code: text.optional(), rate_id: id.optional(), label: text.optional(),
    compound: z.boolean().optional(), tax_total: moneyOrZero, shipping_tax_total: moneyOrZero,
    rate_percent: z.number().nonnegative().max(100).nullish(), // WooCommerce ≥ 5.7; the accounting push needs it
  })).default([]),
  shipping_lines: z.array(z.object({
    id: id.optional(), method_title: text.optional(), method_id: text.optional(), total: moneyOrZero,
    total_tax: moneyOrZero, taxes: lineTaxes,
  })).default([]),
  fee_lines: z.array(z.object({
    id: id.optional(), name: text.optional(), tax_class: text.optional(), tax_status: text.optional(),
    total: moneyOrZero, total_tax: moneyOrZero, taxes: lineTaxes,
  })).default([]),
  coupon_lines: z.array(z.object({
    id: id.optional(), code: text.optional(), discount: moneyOrZero, discount_tax: moneyOrZero,
  })).default([]),
  refunds: z.array(z.object({ id: id.optional(), total: moneyOrZero })).default([]),
  // Read for one configured key only (review consent, P10); meta data is never stored.
  meta_data: z.array(z.object({ key: z.string(), value: z.unknown() }).loose()).optional(),
});
export type WcOrder = z.output<typeof orderSchema>;

export const customerSchema = z.object({
  id: id.refine((v) => v > 0, 'expected a positive customer id'),
  email: text,
  first_name: text.optional(),
  last_name: text.optional(),
  date_created_gmt: optionalDate,
  date_modified_gmt: optionalDate,
  billing: addressSchema.prefault({}),
  shipping: addressSchema.prefault({}),
});
export type WcCustomer = z.output<typeof customerSchema>;

/** `*.deleted` bodies carry only the id. */
export const deletedSchema = z.object({ id: id.refine((v) => v > 0, 'expected a positive id') });

/** What WooCommerce delivers when building the payload failed (e.g. woocommerce_rest_cannot_view). */
export const restErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  data: z.object({ status: z.number().int() }).partial().nullish(),
});
