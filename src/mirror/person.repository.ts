import type { Queryable } from '../platform/db.js';
import type { Candidate, EmailAction, PersonChoice, PersonFacts } from './resolve-person.js';
import type { CustomerRecord } from './map-order.js';
import type { SubjectKeyOf } from '../erasure/subject-key.js';
import { audit } from '../audit/audit.repository.js';
import { dropForUpheldObjection, holdPerson } from '../processors/sync.repository.js';
import { adoptOpenObjections } from '../dsr/open-objections.repository.js';
import { mergeChangesSql, overlayListSql } from '../dsr/rectification.js';

/** SQL for people and their emails. Runs inside the caller's transaction (one savepoint per delivery). */

/*
 * $1 wc customer id (or null), $2 emails text[], $3 whether a former customer id (a merged deleted account) counts as
 * the customer's — for orders yes; a customer delivery writes the account itself and must find that account's row.
 */
const FIND_CANDIDATES = /* sql */ `
  WITH matched AS (
    SELECT id FROM persons WHERE wc_customer_id = $1 AND status <> 'erased'
    UNION
    SELECT f.person_id FROM person_former_customers f JOIN persons fp ON fp.id = f.person_id
    WHERE $3 AND f.wc_customer_id = $1 AND fp.status <> 'erased'
    UNION
    SELECT person_id FROM person_emails WHERE email = ANY($2::text[])
  )
  SELECT p.id, p.wc_customer_id, e.email, p.wc_account_deleted_at IS NOT NULL AS account_deleted,
    p.status <> 'erased' AND (p.wc_customer_id = $1
      OR ($3 AND EXISTS (SELECT 1 FROM person_former_customers f WHERE f.person_id = p.id AND f.wc_customer_id = $1))) AS by_customer
  FROM matched m
  JOIN persons p ON p.id = m.id
  LEFT JOIN person_emails e ON e.person_id = p.id AND e.email = ANY($2::text[])
  FOR UPDATE OF p`;

/* $1 wc customer id or null, $2 policy version */
const INSERT_PERSON = /* sql */ `
  INSERT INTO persons (wc_customer_id, policy_version) VALUES ($1, $2) RETURNING id`;

/* $1 person id, $2 wc customer id */
const ADOPT_PERSON = /* sql */ `UPDATE persons SET wc_customer_id = $2, updated_at = now() WHERE id = $1`;

/* $1 email, $2 person id, $3 subject key */
const INSERT_EMAIL = /* sql */ `
  INSERT INTO person_emails (email, person_id, subject_key) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING`;

/* $1 into person id, $2 from person id */
const MOVE_ORDERS = /* sql */ `UPDATE orders SET person_id = $1, updated_at = now() WHERE person_id = $2`;
const MOVE_EMAILS = /* sql */ `UPDATE person_emails SET person_id = $1 WHERE person_id = $2 RETURNING subject_key`;
const MOVE_FORMER_CUSTOMERS = /* sql */ `UPDATE person_former_customers SET person_id = $1 WHERE person_id = $2`;
const REMEMBER_CUSTOMER = /* sql */ `
  INSERT INTO person_former_customers (wc_customer_id, person_id)
  SELECT wc_customer_id, $1 FROM persons WHERE id = $2 AND wc_customer_id IS NOT NULL
  ON CONFLICT (wc_customer_id) DO UPDATE SET person_id = EXCLUDED.person_id`;
/* The guest's privacy requests, exports and consents are the person's now (they also pin the guest row). */
const MOVE_RECORDS = /* sql */ `
  WITH r AS (UPDATE privacy_requests SET person_id = $1 WHERE person_id = $2),
       x AS (UPDATE privacy_exports SET person_id = $1 WHERE person_id = $2)
  UPDATE consents SET person_id = $1 WHERE person_id = $2`;
/*
 * The guest's unconfirmed correction keeps winning over webhooks (a confirmed one is in the shop already and goes);
 * where both corrected a field and neither is confirmed, the later one wins.
 */
const MOVE_OVERLAY = /* sql */ `
  WITH f AS (DELETE FROM rectification_overlays WHERE person_id = $2
             RETURNING request_id, request_ids, changes, created_at, confirmed_at, order_ids)
  INSERT INTO rectification_overlays AS o (person_id, request_id, request_ids, changes, created_at, order_ids)
  SELECT $1, request_id, request_ids, changes, created_at, order_ids FROM f WHERE confirmed_at IS NULL
  ON CONFLICT (person_id) DO UPDATE SET
    changes = CASE WHEN o.confirmed_at IS NOT NULL THEN EXCLUDED.changes
                   WHEN EXCLUDED.created_at > o.created_at THEN ${mergeChangesSql('o.changes', 'EXCLUDED.changes')}
                   ELSE ${mergeChangesSql('EXCLUDED.changes', 'o.changes')} END,
    request_id = CASE WHEN o.confirmed_at IS NOT NULL OR EXCLUDED.created_at > o.created_at THEN EXCLUDED.request_id ELSE o.request_id END,
    request_ids = ${overlayListSql('o', 'request_ids')},
    order_ids = ${overlayListSql('o', 'order_ids')},
    created_at = GREATEST(o.created_at, EXCLUDED.created_at), confirmed_at = NULL`;
/*
 * P19/P21: a restriction or objection of the guest stays in force for the merged person — the stronger objection
 * state wins (upheld > pending > rejected > none). Returns what is new for the person.
 */
const ABSORB = /* sql */ `
  UPDATE persons p SET last_activity_at = GREATEST(p.last_activity_at, f.last_activity_at),
    restricted = p.restricted OR f.restricted,
    objection = (ARRAY['none', 'rejected', 'pending', 'upheld'])[GREATEST(
      array_position(ARRAY['none', 'rejected', 'pending', 'upheld'], p.objection),
      array_position(ARRAY['none', 'rejected', 'pending', 'upheld'], f.objection))],
    updated_at = now()
  FROM persons f, persons before
  WHERE p.id = $1 AND f.id = $2 AND before.id = $1
  RETURNING p.restricted AND NOT before.restricted AS restricted_now, NULLIF(p.objection, before.objection) AS objection_now`;
const DELETE_PERSON = /* sql */ `DELETE FROM persons WHERE id = $1`;

export async function loadFacts(
  db: Queryable,
  input: { wcCustomerId: number | null; emails: string[]; previousPersonId: number | null },
  o: { formerCustomerIds?: boolean } = {},
): Promise<PersonFacts> {
  const { rows } = await db.query<{ id: number; wc_customer_id: number | null; email: string | null; account_deleted: boolean; by_customer: boolean | null }>(
    FIND_CANDIDATES, [input.wcCustomerId, input.emails, o.formerCustomerIds ?? false]);
  let byCustomer: Candidate | null = null;
  const owners = new Map<string, Candidate>();
  for (const r of rows) {
    const c = { personId: r.id, wcCustomerId: r.wc_customer_id, accountDeleted: r.account_deleted };
    if (input.wcCustomerId !== null && r.by_customer) byCustomer = c;
    if (r.email) owners.set(r.email, c);
  }
  return { ...input, byCustomer, owners };
}

/** Carries out a PersonChoice and the email plan; returns the person id. */
export async function settlePerson(
  db: Queryable,
  facts: PersonFacts,
  choice: PersonChoice,
  plan: (personId: number) => EmailAction[],
  policyVersion: string,
  subjectKey: SubjectKeyOf,
): Promise<number> {
  let personId: number;
  if (choice.action === 'create') {
    const { rows } = await db.query<{ id: number }>(INSERT_PERSON, [facts.wcCustomerId, policyVersion]);
    personId = rows[0]!.id;
  } else {
    personId = choice.personId;
    if (choice.action === 'adopt') await db.query(ADOPT_PERSON, [personId, facts.wcCustomerId]);
  }
  const added: string[] = [];
  for (const step of plan(personId)) {
    if (step.action === 'add' && (await db.query(INSERT_EMAIL, [step.email, personId, subjectKey(step.email)])).rowCount) added.push(step.email);
    if (step.action === 'merge') await mergePersons(db, personId, step.fromPersonId);
  }
  await adoptOpenObjections(db, added);
  return personId;
}

/**
 * A guest (or the person of a deleted shop account) turned out to be this person: their orders, emails, activity,
 * privacy requests and the processing limits those set move over; the row goes, a deleted account's customer id is
 * remembered for the person. A limit new to the person holds their pending pushes at once.
 */
async function mergePersons(db: Queryable, into: number, from: number): Promise<void> {
  await db.query(MOVE_FORMER_CUSTOMERS, [into, from]);
  await db.query(REMEMBER_CUSTOMER, [into, from]);
  await db.query(MOVE_ORDERS, [into, from]);
  const keys = (await db.query<{ subject_key: Buffer | null }>(MOVE_EMAILS, [into, from])).rows.flatMap((r) => (r.subject_key ? [r.subject_key] : []));
  await db.query(MOVE_RECORDS, [into, from]);
  await db.query(MOVE_OVERLAY, [into, from]);
  const now = (await db.query<{ restricted_now: boolean; objection_now: string | null }>(ABSORB, [into, from])).rows[0]!;
  await db.query(DELETE_PERSON, [from]);
  // Upheld: what rests on consent ends for good, required bookings go on. Pending or restricted: everything waits.
  const upheld = now.objection_now === 'upheld';
  const hold = now.objection_now === 'pending' ? 'objection_pending' : now.restricted_now ? 'restricted' : null;
  if (upheld) await dropForUpheldObjection(db, into);
  if (hold) await holdPerson(db, into, hold);
  await audit(db, ...[upheld ? 'objection_upheld' : null, hold].flatMap((reason) => (reason
    ? [{ actor: 'system', action: 'processing.stopped', subjectKey: keys[0] ?? null, detail: { reason, cause: 'merged_guest' } }] : [])));
}

/* $1 wc customer id */
const SELECT_CUSTOMER_VERSION = /* sql */ `
  SELECT id, wc_account_modified_at, customer_body_sha256, customer_inbox_id
  FROM persons WHERE wc_customer_id = $1 AND status <> 'erased' FOR UPDATE`;

export async function findCustomerVersion(db: Queryable, wcCustomerId: number) {
  const { rows } = await db.query<{
    id: number; wc_account_modified_at: Date | null; customer_body_sha256: Buffer | null; customer_inbox_id: number | null;
  }>(SELECT_CUSTOMER_VERSION, [wcCustomerId]);
  const r = rows[0];
  if (!r || !r.customer_body_sha256) return null;
  return { modifiedAt: r.wc_account_modified_at?.toISOString() ?? null, bodySha256: r.customer_body_sha256, inboxId: r.customer_inbox_id ?? 0 };
}

/* $1 person id, $2 account email, $3 first name, $4 last name, $5 billing, $6 shipping, $7 created, $8 modified,
   $9 body sha256, $10 inbox id, $11 activity, $12 policy version */
const UPDATE_CUSTOMER = /* sql */ `
  UPDATE persons SET
    account_email = $2, first_name = $3, last_name = $4, billing = $5, shipping = $6,
    wc_account_created_at = $7, wc_account_modified_at = $8, customer_body_sha256 = $9, customer_inbox_id = $10,
    last_activity_at = GREATEST(last_activity_at, $11::timestamptz), policy_version = $12, updated_at = now()
  WHERE id = $1`;

export async function writeCustomer(
  db: Queryable,
  personId: number,
  c: CustomerRecord,
  v: { bodySha256: Buffer; inboxId: number; activity: string | null; policyVersion: string },
): Promise<void> {
  await db.query(UPDATE_CUSTOMER, [
    personId, c.accountEmail, c.firstName, c.lastName, c.billing, c.shipping, c.dates.created, c.dates.modified,
    v.bodySha256, v.inboxId, v.activity, v.policyVersion,
  ]);
}

/* $1 wc customer id */
const MARK_ACCOUNT_DELETED = /* sql */ `
  UPDATE persons SET wc_account_deleted_at = now(), updated_at = now() WHERE wc_customer_id = $1 AND status <> 'erased' RETURNING id`;

export async function markAccountDeleted(db: Queryable, wcCustomerId: number): Promise<boolean> {
  const { rowCount } = await db.query(MARK_ACCOUNT_DELETED, [wcCustomerId]);
  return (rowCount ?? 0) > 0;
}

/** The customer id of a deleted account merged into another person (person_former_customers). */
export async function isFormerCustomer(db: Queryable, wcCustomerId: number): Promise<boolean> {
  return ((await db.query(`SELECT 1 FROM person_former_customers WHERE wc_customer_id = $1`, [wcCustomerId])).rowCount ?? 0) > 0;
}
