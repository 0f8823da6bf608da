-- A shop account deleted and registered again under the same email is one person: the email stayed with the person of
-- the deleted account ("another registered customer owns it"), so the new account's person had no email at all —
-- `?email=`, access exports and erasure by email found only the old account, never the new one or its orders.
-- The deleted account's person is now merged into the new one; its WooCommerce customer id is remembered here, so an
-- old order of that account (re-fetched, backfilled) still finds its person instead of starting a nameless new one.
CREATE TABLE person_former_customers (
  wc_customer_id bigint PRIMARY KEY,
  person_id      bigint NOT NULL REFERENCES persons (id)
);
CREATE INDEX person_former_customers_person ON person_former_customers (person_id);
