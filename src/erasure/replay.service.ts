import type { Logger } from 'pino';
import type { Pool, PoolClient } from '../platform/db.js';
import { withTransaction } from '../platform/db.js';
import { type ErasureSettings, eraseBatch } from './erasure.service.js';
import { insertTombstones } from './erasure.repository.js';
import { ERASED_CATEGORIES } from './stores.js';
import { type LedgerEntry, readLedger } from './ledger.js';

/**
 * `npm run erasure:replay`: after a database restore, every erasure in the ledger that the database no longer
 * knows is done again — same tombstone id, same erasure time (so "created before the erasure" still means the
 * same records). Entries already present are skipped: replaying twice changes nothing.
 */

export interface ReplayReport {
  entries: number;
  alreadyPresent: number;
  replayed: number;
  personsErased: number;
  /** Entries whose person is under a legal hold now: not replayed; run again once the hold ends. */
  held: number;
  invalidLines: { line: number; error: string }[];
}

/* $1 ledger ids */
const PRESENT = /* sql */ `
  SELECT id::text AS id FROM erasure_tombstones WHERE id = ANY($1::uuid[])
  UNION SELECT reason_ref FROM erasure_tombstones WHERE reason = 'replay' AND reason_ref = ANY($1::text[])`;

/* $1 subject keys */
const PERSONS_OF_KEYS = /* sql */ `SELECT subject_key, person_id FROM person_emails WHERE subject_key = ANY($1::bytea[])`;
/* $1 wc customer ids, $2 erased at — only a person who existed before the erasure (a later one is a new relationship) */
const PERSONS_OF_CUSTOMERS = /* sql */ `
  SELECT wc_customer_id, id FROM persons WHERE wc_customer_id = ANY($1::bigint[]) AND status <> 'erased' AND created_at < $2`;
/* $1 erased at: a closed person with no data, for a tombstone whose person the restored database never had */
const CLOSED_PLACEHOLDER = /* sql */ `
  INSERT INTO persons (status, erased_at, policy_version) VALUES ('erased', $1, 'erasure-replay') RETURNING id`;

export async function replayLedger(deps: { pool: Pool; settings: ErasureSettings; log: Logger }, chunkSize = 1000): Promise<ReplayReport> {
  const report: ReplayReport = { entries: 0, alreadyPresent: 0, replayed: 0, personsErased: 0, held: 0, invalidLines: [] };
  let chunk: LedgerEntry[] = [];
  const flush = async () => {
    if (chunk.length) await withTransaction(deps.pool, (db) => replayChunk(db, deps.settings, chunk, report));
    chunk = [];
    deps.log.info({ ...report, invalidLines: report.invalidLines.length }, 'erasure replay progress');
  };
  for await (const item of readLedger(deps.settings.dataDir)) {
    if ('error' in item) {
      report.invalidLines.push(item);
      continue;
    }
    report.entries++;
    chunk.push(item.entry);
    if (chunk.length >= chunkSize) await flush();
  }
  await flush();
  return report;
}

async function replayChunk(db: PoolClient, settings: ErasureSettings, entries: LedgerEntry[], report: ReplayReport): Promise<void> {
  const present = new Set((await db.query<{ id: string }>(PRESENT, [entries.map((e) => e.id)])).rows.map((r) => r.id));
  const todo = entries.filter((e) => !present.has(e.id));
  report.alreadyPresent += entries.length - todo.length;
  if (!todo.length) return;
  const byKey = new Map<string, number[]>();
  const keys = todo.flatMap((e) => e.subjectKeys.map((k) => Buffer.from(k, 'hex')));
  for (const r of (await db.query<{ subject_key: Buffer; person_id: string }>(PERSONS_OF_KEYS, [keys])).rows) {
    const k = r.subject_key.toString('hex');
    byKey.set(k, [...(byKey.get(k) ?? []), Number(r.person_id)]);
  }
  // Entries of one erasure run share time and reference: each group is one set-based erasure.
  const groups = new Map<string, LedgerEntry[]>();
  for (const e of todo) groups.set(`${e.erasedAt}|${e.ref ?? ''}`, [...(groups.get(`${e.erasedAt}|${e.ref ?? ''}`) ?? []), e]);
  for (const group of groups.values()) {
    const erasedAt = new Date(group[0]!.erasedAt);
    const customers = group.flatMap((e) => (e.wcCustomerId !== null ? [e.wcCustomerId] : []));
    const byCustomer = new Map<number, number>();
    if (customers.length) {
      for (const r of (await db.query<{ wc_customer_id: string; id: string }>(PERSONS_OF_CUSTOMERS, [customers, erasedAt])).rows) {
        byCustomer.set(Number(r.wc_customer_id), Number(r.id));
      }
    }
    const tombstoneIds = new Map<number, string>();
    const matched = new Set<number>();
    const orphans: LedgerEntry[] = [];
    for (const e of group) {
      const persons = new Set(e.subjectKeys.flatMap((k) => byKey.get(k) ?? []));
      if (e.wcCustomerId !== null && byCustomer.has(e.wcCustomerId)) persons.add(byCustomer.get(e.wcCustomerId)!);
      if (!persons.size) orphans.push(e);
      // Every person the entry matches is erased (a restore can predate a merge: one erased person, two rows then).
      // The first takes the ledger's tombstone id; any other gets its own, with the entry's reason and reference.
      for (const p of persons) {
        matched.add(p);
        if (!tombstoneIds.has(p) && ![...tombstoneIds.values()].includes(e.id)) tombstoneIds.set(p, e.id);
      }
    }
    if (matched.size) {
      const ids = [...matched];
      const r = await eraseBatch(db, settings, ids, { reason: 'replay', ref: group[0]!.ref, erasedAt, tombstoneIds });
      report.personsErased += r.erased.length;
      report.held += r.held.length;
      // Replayed = the entry's tombstone now exists; a held person's entry waits for the next run.
      const done = new Set(r.erased.map((e) => e.tombstoneId));
      report.replayed += group.filter((e) => done.has(e.id)).length;
    }
    // Nobody left to erase (the restore predates the person): the tombstone alone keeps their records out.
    for (const e of orphans) {
      const { rows } = await db.query<{ id: string }>(CLOSED_PLACEHOLDER, [erasedAt]);
      await insertTombstones(db, [{ id: e.id, personId: Number(rows[0]!.id), wcCustomerId: e.wcCustomerId, subjectKeys: e.subjectKeys.map((k) => Buffer.from(k, 'hex')) }], {
        erasedAt, reason: 'replay', ref: e.ref, categories: e.categories.length ? e.categories : ERASED_CATEGORIES,
      });
    }
    report.replayed += orphans.length;
  }
}
