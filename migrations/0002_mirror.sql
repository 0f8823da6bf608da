-- The mirror: people, the emails that identify them, their orders and order lines.
-- Money is numeric (exact, keeps WooCommerce's scale: '28.63' stays '28.63'); never a float.

CREATE TABLE persons (
  id                     bigserial PRIMARY KEY,
  wc_customer_id         bigint UNIQUE,          -- NULL for guests
  account_email          text,                   -- the shop account's email (customer resource)
  first_name             text,
  last_name              text,
  billing                jsonb,                  -- account billing address (customer resource)
  shipping               jsonb,
  status                 text NOT NULL DEFAULT 'active'
                         CHECK (status IN ('active', 'restricted', 'objected', 'erased')),
  wc_account_created_at  timestamptz,
  wc_account_modified_at timestamptz,            -- staleness of customer deliveries
  wc_account_deleted_at  timestamptz,            -- customer.deleted: the shop account is gone, orders stay
  customer_body_sha256   bytea,
  customer_inbox_id      bigint,
  last_activity_at       timestamptz,            -- latest transaction or contact; drives two-year retention (P13)
  policy_version         text NOT NULL,          -- privacy policy in force when last written (P22)
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX persons_last_activity ON persons (last_activity_at);

-- Normalised (trimmed, lower-cased) emails; each identifies exactly one person.
CREATE TABLE person_emails (
  email     text PRIMARY KEY,
  person_id bigint NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
  added_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX person_emails_person ON person_emails (person_id);

CREATE TABLE orders (
  id                   bigserial PRIMARY KEY,
  wc_order_id          bigint NOT NULL UNIQUE,
  person_id            bigint NOT NULL REFERENCES persons (id),
  wc_customer_id       bigint,                   -- as sent; NULL for guest orders
  number               text NOT NULL,
  status               text NOT NULL,
  status_before_trash  text,
  currency             text NOT NULL,
  prices_include_tax   boolean NOT NULL DEFAULT false,
  discount_total       numeric NOT NULL DEFAULT 0,
  discount_tax         numeric NOT NULL DEFAULT 0,
  shipping_total       numeric NOT NULL DEFAULT 0,
  shipping_tax         numeric NOT NULL DEFAULT 0,
  cart_tax             numeric NOT NULL DEFAULT 0,
  total                numeric NOT NULL,
  total_tax            numeric NOT NULL DEFAULT 0,
  payment_method       text,
  payment_method_title text,
  transaction_id       text,
  billing              jsonb NOT NULL,
  shipping             jsonb NOT NULL,
  ip_address           text,                     -- anonymised before storage (P11); user agent never stored
  date_created_gmt     timestamptz,
  date_modified_gmt    timestamptz,
  date_paid_gmt        timestamptz,
  date_completed_gmt   timestamptz,
  body_sha256          bytea NOT NULL,           -- of the delivery last applied (staleness: same second, other body)
  inbox_id             bigint NOT NULL,          -- receipt order of that delivery
  wc_deleted_at        timestamptz,              -- permanently deleted in the shop (found by re-fetch)
  policy_version       text NOT NULL,            -- P22
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX orders_person ON orders (person_id);

-- Every line an invoice needs: products, tax, shipping, fees, coupons and refunds.
CREATE TABLE order_lines (
  id          bigserial PRIMARY KEY,
  order_id    bigint  NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  position    integer NOT NULL,
  kind        text    NOT NULL CHECK (kind IN ('product', 'tax', 'shipping', 'fee', 'coupon', 'refund')),
  wc_line_id  bigint,
  name        text,       -- product name, tax label, shipping method, fee name
  code        text,       -- SKU, tax rate code, shipping method id, coupon code
  product_id  bigint,
  variation_id bigint,
  quantity    numeric,
  subtotal    numeric,
  total       numeric NOT NULL DEFAULT 0,   -- refunds are negative, as WooCommerce sends them
  total_tax   numeric NOT NULL DEFAULT 0,
  tax_class   text,
  extra       jsonb      -- kind-specific amounts: shipping_tax_total, discount_tax, compound, rate_id, taxes
);

CREATE INDEX order_lines_order ON order_lines (order_id, position);
