import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEDGER_FILE, appendLedger, ledgerEntrySchema, ledgerPath, readLedger, type LedgerEntry } from '../../src/erasure/ledger.js';

/** P14b: the erasure ledger outside the database — what a restore cannot undo, and never personal data itself. */

const tempDir = () => mkdtempSync(join(tmpdir(), 'woo-ledger-'));
const anEntry = (o: Partial<LedgerEntry> = {}): LedgerEntry => ({
  v: 1, id: randomUUID(), erasedAt: '2025-06-01T03:00:00.000Z', reason: 'request', ref: 'req-1', wcCustomerId: 42,
  subjectKeys: ['ab'.repeat(32), '0f'.repeat(32)], categories: ['profile', 'emails', 'addresses', 'orders'], ...o,
});
async function readAll(dir: string) {
  const out = [];
  for await (const item of readLedger(dir)) out.push(item);
  return out;
}

describe('P14b erasure ledger', () => {
  test('when entries are appended in two writes, then they read back equal, in order, with their line numbers', async () => {
    const dir = tempDir();
    const a = anEntry();
    const b = anEntry({ reason: 'retention', ref: null, wcCustomerId: null, subjectKeys: [] });
    const c = anEntry({ reason: 'operator' });
    await appendLedger(dir, [a, b]);
    await appendLedger(dir, [c]);
    expect(await readAll(dir)).toEqual([{ line: 1, entry: a }, { line: 2, entry: b }, { line: 3, entry: c }]);
    expect(readFileSync(ledgerPath(dir), 'utf8').split('\n')).toHaveLength(4); // one line each, newline-terminated
  });

  test('when the data directory does not exist yet, then it is created and the file is readable only by its owner (0600)', async () => {
    const dir = join(tempDir(), 'nested', 'data');
    await appendLedger(dir, [anEntry()]);
    expect(ledgerPath(dir)).toBe(join(dir, LEDGER_FILE));
    expect(statSync(ledgerPath(dir)).mode & 0o777).toBe(0o600);
  });

  test('when there is nothing to append, then no file is created', async () => {
    const dir = tempDir();
    await appendLedger(dir, []);
    expect(existsSync(ledgerPath(dir))).toBe(false);
  });

  test('when lines are malformed, then each is reported with its line number and the good lines are still read', async () => {
    const dir = tempDir();
    const good1 = anEntry();
    const good2 = anEntry();
    await appendLedger(dir, [good1]);
    appendFileSync(ledgerPath(dir), '{"v":1,"id":"trunc\n'); // line 2: torn write
    appendFileSync(ledgerPath(dir), '\n'); // line 3: blank, skipped
    appendFileSync(ledgerPath(dir), JSON.stringify({ ...anEntry(), reason: 'whim' }) + '\n'); // line 4
    appendFileSync(ledgerPath(dir), JSON.stringify({ ...anEntry(), subjectKeys: ['fenna@example.com'] }) + '\n'); // line 5
    await appendLedger(dir, [good2]); // line 6

    const items = await readAll(dir);
    expect(items.map((i) => i.line)).toEqual([1, 2, 4, 5, 6]);
    expect(items[0]).toEqual({ line: 1, entry: good1 });
    expect(items[1]).toEqual({ line: 2, error: 'not JSON' });
    expect(items[2]).toEqual({ line: 4, error: expect.stringMatching(/^reason: /) });
    expect(items[3]).toEqual({ line: 5, error: expect.stringMatching(/^subjectKeys\.0: /) });
    expect(items[4]).toEqual({ line: 6, entry: good2 });
  });

  test('when an entry has a wrong version or a non-uuid id, then it is rejected', async () => {
    const dir = tempDir();
    appendFileSync(ledgerPath(dir), JSON.stringify({ ...anEntry(), v: 2 }) + '\n' + JSON.stringify({ ...anEntry(), id: '42' }) + '\n');
    expect(await readAll(dir)).toEqual([
      { line: 1, error: expect.stringMatching(/^v: /) },
      { line: 2, error: expect.stringMatching(/^id: /) },
    ]);
  });

  test('when a line carries an extra email field, then zod strips it: the entry read back has no email', async () => {
    const dir = tempDir();
    const entry = anEntry();
    appendFileSync(ledgerPath(dir), JSON.stringify({ ...entry, email: 'fenna@example.com', name: 'Fenna Visser' }) + '\n');
    const [item] = await readAll(dir);
    expect(item).toEqual({ line: 1, entry });
    expect(JSON.stringify(item)).not.toContain('fenna@example.com');
  });

  test('when the entry shape is inspected, then it has no field that could hold an email or a name', () => {
    expect(Object.keys(ledgerEntrySchema.shape).sort()).toEqual(
      ['categories', 'erasedAt', 'id', 'reason', 'ref', 'subjectKeys', 'v', 'wcCustomerId']);
    expect(ledgerEntrySchema.safeParse(anEntry({ subjectKeys: ['fenna@example.com'] })).success).toBe(false);
  });
});
