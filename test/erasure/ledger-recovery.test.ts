import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { useMigratedSchema } from '../setup/context.js';
import { LEDGER_FILE, writeLedger } from '../../src/erasure/ledger.js';

/** P14b: the ledger holds exactly the committed erasures, even across a crash between commit and append. */
const db = useMigratedSchema();

async function tombstone(ledgered: boolean): Promise<string> {
  const { rows: [p] } = await db.pool.query(`INSERT INTO persons (status, erased_at, policy_version) VALUES ('erased', now(), 'v') RETURNING id`);
  const id = randomUUID();
  await db.pool.query(
    `INSERT INTO erasure_tombstones (id, person_id, wc_customer_id, erased_at, reason, reason_ref, categories, ledgered_at)
     VALUES ($1, $2, 77, now(), 'request', 'req-9', '{contact}', CASE WHEN $3 THEN now() END)`, [id, p.id, ledgered]);
  await db.pool.query(`INSERT INTO erasure_subject_keys (subject_key, tombstone_id) VALUES ($1, $2)`, [Buffer.alloc(32, 7), id]);
  return id;
}

describe('P14b erasure ledger recovery', () => {
  test('when an erasure committed but the process died before the ledger append, then the next writeLedger appends it once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'woo-ledger-recovery-'));
    const done = await tombstone(true);
    const missing = await tombstone(false);
    expect(await writeLedger(db.pool, dir)).toBe(1);
    const lines = readFileSync(join(dir, LEDGER_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ id: missing, reason: 'request', ref: 'req-9', wcCustomerId: 77, subjectKeys: ['07'.repeat(32)] })]);
    expect(lines.some((l) => l.id === done)).toBe(false);
    expect(await writeLedger(db.pool, dir)).toBe(0);
    expect(readFileSync(join(dir, LEDGER_FILE), 'utf8').trim().split('\n')).toHaveLength(1);
  });
});
