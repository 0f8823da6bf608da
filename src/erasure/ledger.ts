import { createReadStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { checkout, type Pool } from '../platform/db.js';
import { type UnledgeredTombstone, markLedgered, stillUnledgered, unledgeredTombstones } from './ledger.repository.js';

/**
 * The erasure ledger: one JSON line per tombstone in DATA_DIR/erasure-ledger.jsonl, outside the database, so
 * restoring a database backup cannot bring a forgotten person back (`npm run erasure:replay`). It holds what a
 * tombstone holds — keys, ids, dates, never personal data — and is fsynced once the erasure has committed.
 */

export const LEDGER_FILE = 'erasure-ledger.jsonl';

export const ledgerEntrySchema = z.object({
  v: z.literal(1),
  id: z.uuid(),
  erasedAt: z.iso.datetime(),
  reason: z.enum(['request', 'retention', 'operator', 'replay']),
  ref: z.string().nullable(),
  wcCustomerId: z.number().int().nullable(),
  subjectKeys: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
  categories: z.array(z.string()),
});
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;
// Built once: zod compiles a parser per schema object, which per entry cost ~0.1 ms (most of a sweep's CPU).
const strictEntry = ledgerEntrySchema.strict();

export const ledgerPath = (dataDir: string) => join(dataDir, LEDGER_FILE);

/** A tombstone's ledger line (subject keys as hex, in byte order). */
export const toLedgerEntry = (t: UnledgeredTombstone): LedgerEntry => ({
  v: 1, id: t.id, erasedAt: t.erasedAt.toISOString(), reason: t.reason as LedgerEntry['reason'], ref: t.ref,
  wcCustomerId: t.wcCustomerId, subjectKeys: t.subjectKeys, categories: t.categories,
});

export async function appendLedger(dataDir: string, entries: LedgerEntry[]): Promise<void> {
  if (!entries.length) return;
  await mkdir(dataDir, { recursive: true });
  // Strict: a field the schema does not list (an email, a name) fails here, before anything reaches the file.
  const lines = entries.map((e) => JSON.stringify(strictEntry.parse(e)));
  const file = await open(ledgerPath(dataDir), 'a', 0o600);
  try {
    await file.chmod(0o600); // also a ledger restored from a backup with looser permissions
    await file.write(lines.join('\n') + '\n');
    await file.datasync();
  } finally {
    await file.close();
  }
}

/** Reads the ledger in order; a line that does not parse is reported by number, never silently skipped. */
export async function* readLedger(dataDir: string): AsyncGenerator<{ line: number; entry: LedgerEntry } | { line: number; error: string }> {
  const rl = createInterface({ input: createReadStream(ledgerPath(dataDir), 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (!text.trim()) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      yield { line, error: 'not JSON' };
      continue;
    }
    const parsed = ledgerEntrySchema.safeParse(raw);
    if (parsed.success) yield { line, entry: parsed.data };
    else yield { line, error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  }
}

/**
 * Appends every committed tombstone not yet in the ledger, then marks it. Runs after each erasure commits and at
 * start-up, so a crash between the commit and the append loses nothing; a crash between the append and the mark
 * only repeats a line (replay reads each id once). One writer at a time (advisory lock). With `committed`, just
 * those entries, as the batch that just committed built them (a sweep's batch: no read back); the full pass at the
 * sweep's start catches anything a crash left unmarked.
 */
export async function writeLedger(pool: Pool, dataDir: string, committed?: LedgerEntry[]): Promise<number> {
  if (committed && !committed.length) return 0;
  const db = await checkout(pool); // one connection for the lock and the reads (the bootstrap pool has only one)
  try {
    // Writers take turns (short): a writer that skipped could miss a tombstone committed after the other's last read.
    await db.query(`SELECT pg_advisory_lock(hashtext('erasure-ledger'))`);
    try {
      if (committed) {
        const open = await stillUnledgered(db, committed.map((e) => e.id));
        const todo = committed.filter((e) => open.has(e.id));
        await appendLedger(dataDir, todo);
        await markLedgered(db, todo.map((e) => e.id));
        return todo.length;
      }
      let total = 0;
      for (;;) {
        const rows = await unledgeredTombstones(db, 5000);
        if (!rows.length) return total;
        await appendLedger(dataDir, rows.map(toLedgerEntry));
        await markLedgered(db, rows.map((t) => t.id));
        total += rows.length;
      }
    } finally {
      await db.query(`SELECT pg_advisory_unlock(hashtext('erasure-ledger'))`).catch(() => undefined);
    }
  } finally {
    db.release();
  }
}
