-- A rectification kept as an overlay (no shop REST API) corrects the person's unpaid orders. When such an order is
-- paid, the shop — which still holds the old address — sends it back with the payment; the overlay re-applied itself
-- to unpaid orders only, so the invoice, the booking and the shipping label took the old address. The overlay now
-- remembers the orders it corrected and keeps them corrected whatever their payment status.
ALTER TABLE rectification_overlays ADD COLUMN order_ids bigint[] NOT NULL DEFAULT '{}';
