/** Realistic WooCommerce REST v3 bodies (as webhooks deliver them), with unique ids per call. */

let next = 1000;
export const nextId = () => ++next;

export interface OrderOverrides {
  id?: number;
  status?: string;
  customer_id?: number;
  email?: string;
  first_name?: string;
  last_name?: string;
  modified?: string; // date_modified_gmt without zone, e.g. 2025-01-02T09:01:00
  created?: string;
  ip?: string;
  total?: string;
  [key: string]: unknown;
}

export function anOrder(o: OrderOverrides = {}) {
  const id = o.id ?? nextId();
  const { email = 'ann.lee@example.com', first_name = 'Ann', last_name = 'Lee', modified = '2025-01-02T09:01:00',
    created = '2025-01-02T09:00:00', ip = '203.0.113.7', total = '28.63', ...rest } = o;
  return {
    id, parent_id: 0, status: 'processing', currency: 'EUR', version: '10.3.4', prices_include_tax: true,
    date_created: created, date_created_gmt: created, date_modified: modified, date_modified_gmt: modified,
    discount_total: '0.00', discount_tax: '0.00', shipping_total: '4.90', shipping_tax: '0.93', cart_tax: '3.80',
    total, total_tax: '4.73', customer_id: 0, order_key: `wc_order_${id}`,
    billing: { first_name, last_name, company: '', address_1: 'Keizersgracht 1', address_2: '', city: 'Amsterdam',
      state: '', postcode: '1015 AA', country: 'NL', email, phone: '+31 6 12345678' },
    shipping: { first_name, last_name, company: '', address_1: 'Keizersgracht 1', address_2: '', city: 'Amsterdam',
      state: '', postcode: '1015 AA', country: 'NL', phone: '' },
    payment_method: 'ideal', payment_method_title: 'iDEAL', transaction_id: 'tr_WDqYK6vllg',
    customer_ip_address: ip, customer_user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
    created_via: 'checkout', customer_note: '', date_completed: null, date_completed_gmt: null,
    date_paid: modified, date_paid_gmt: modified, cart_hash: 'd41d8cd98f00b204e9800998ecf8427e', number: String(id),
    meta_data: [{ id: 1, key: 'is_vat_exempt', value: 'no' }],
    line_items: [{ id: 1, name: 'Mok – blauw', product_id: 10, variation_id: 0, quantity: 2, tax_class: '',
      subtotal: '20.00', subtotal_tax: '3.80', total: '20.00', total_tax: '3.80',
      taxes: [{ id: 1, total: '3.8', subtotal: '3.8' }], meta_data: [], sku: 'MUG-BLUE', price: 10,
      image: { id: 0, src: 'https://shop.example/wp-content/uploads/mug.jpg' }, parent_name: null }],
    tax_lines: [{ id: 3, rate_code: 'NL-BTW-1', rate_id: 1, label: 'BTW', compound: false, tax_total: '3.80', shipping_tax_total: '0.93', rate_percent: 21, meta_data: [] }],
    shipping_lines: [{ id: 2, method_title: 'PostNL', method_id: 'flat_rate', instance_id: '1', total: '4.90', total_tax: '0.93', taxes: [{ id: 1, total: '0.93', subtotal: '' }], meta_data: [] }],
    fee_lines: [], coupon_lines: [], refunds: [],
    payment_url: `https://shop.example/checkout/order-pay/${id}/?pay_for_order=true&key=wc_order_${id}`,
    is_editable: false, needs_payment: false, needs_processing: true,
    _links: { self: [{ href: `https://shop.example/wp-json/wc/v3/orders/${id}` }], collection: [{ href: 'https://shop.example/wp-json/wc/v3/orders' }] },
    ...rest,
  };
}

export interface CustomerOverrides {
  id?: number;
  email?: string;
  billingEmail?: string;
  first_name?: string;
  last_name?: string;
  modified?: string;
  created?: string;
  [key: string]: unknown;
}

export function aCustomer(o: CustomerOverrides = {}) {
  const id = o.id ?? nextId();
  const { email = 'ann.lee@example.com', billingEmail, first_name = 'Ann', last_name = 'Lee',
    modified = '2025-01-01T12:00:00', created = '2024-12-01T12:00:00', ...rest } = o;
  return {
    id, date_created: created, date_created_gmt: created, date_modified: modified, date_modified_gmt: modified,
    email, first_name, last_name, role: 'customer', username: email.split('@')[0],
    billing: { first_name, last_name, company: '', address_1: 'Keizersgracht 1', address_2: '', city: 'Amsterdam',
      state: '', postcode: '1015 AA', country: 'NL', email: billingEmail ?? email, phone: '+31 6 12345678' },
    shipping: { first_name, last_name, company: '', address_1: 'Keizersgracht 1', address_2: '', city: 'Amsterdam',
      state: '', postcode: '1015 AA', country: 'NL', phone: '' },
    is_paying_customer: true, avatar_url: 'https://secure.gravatar.com/avatar/x', meta_data: [],
    _links: { self: [{ href: `https://shop.example/wp-json/wc/v3/customers/${id}` }] },
    ...rest,
  };
}
