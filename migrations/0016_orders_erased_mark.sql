-- An order anonymised by an erasure says so on its own row. The mirror locks the order row before deciding how to
-- store a delivery; when that lock waited for an erasure, READ COMMITTED hands back the order as the erasure left it
-- but the person it is joined to as they were before (only the locked row is read again). A delivery that names no
-- identity the erasure locked (a guest order whose billing email changed) then saw an open person and wrote the
-- personal data back. The mark travels with the locked row, so it cannot be missed.
ALTER TABLE orders ADD COLUMN erased boolean NOT NULL DEFAULT false;

UPDATE orders o SET erased = true FROM persons p WHERE p.id = o.person_id AND p.status = 'erased';
