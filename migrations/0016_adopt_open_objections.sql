-- P21: an objection filed for an address we did not know yet used to be adopted by the person when one of their
-- orders was next pushed; the mirror now adopts it when it links the address (src/dsr/open-objections.repository.ts).
-- Persons linked before this release whose such objection is still open stop here, as the mirror would have stopped them.
WITH hit AS (
  UPDATE persons p SET objection = 'pending', updated_at = now()
  FROM (
    SELECT DISTINCT ON (e.person_id) e.person_id, e.subject_key, r.id AS request_id
    FROM person_emails e
    JOIN privacy_requests r ON r.subject_key = e.subject_key AND r.type = 'objection' AND r.linked_to IS NULL
      AND r.status IN ('received', 'awaiting_verification', 'in_progress')
    ORDER BY e.person_id, r.received_at
  ) h
  WHERE p.id = h.person_id AND p.status <> 'erased' AND p.objection IN ('none', 'rejected')
  RETURNING p.id, h.subject_key, h.request_id
), held AS (
  UPDATE processor_syncs s SET status = 'held', reason = 'objection_pending', updated_at = now()
  FROM orders o, hit WHERE o.id = s.order_id AND o.person_id = hit.id AND s.status = 'pending'
)
INSERT INTO audit_log (actor, action, subject_key, request_id, detail)
SELECT 'system', 'processing.stopped', subject_key, request_id, '{"reason": "objection_pending", "cause": "address_linked"}'::jsonb FROM hit;
