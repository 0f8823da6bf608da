import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useMigratedSchema } from '../setup/context.js';
import { migrate, readMigrations } from '../../src/platform/migrate.js';
import { assertPseudonymKey } from '../../src/platform/key-check.js';

const db = useMigratedSchema();

describe('migrations', () => {
  test('when run again (even concurrently), then nothing is applied twice', async () => {
    const runs = await Promise.all([migrate(db.pool), migrate(db.pool), migrate(db.pool)]);
    expect(runs.map((r) => r.applied)).toEqual([[], [], []]);
    const { rows } = await db.pool.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(readMigrations().map((m) => m.version));
  });

  test('when an applied migration file was edited, then migrate refuses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'woo-mig-'));
    writeFileSync(join(dir, '0001_intake.sql'), 'SELECT 1;');
    await expect(migrate(db.pool, dir)).rejects.toThrow(/0001_intake was edited/);
  });

  test('when a new numbered file appears, then only it is applied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'woo-mig-'));
    const existing = readMigrations();
    for (const m of existing) writeFileSync(join(dir, `${m.id}.sql`), readFileSync(join('migrations', `${m.id}.sql`)));
    const next = `${String(existing.length + 1).padStart(4, '0')}_extra`;
    writeFileSync(join(dir, `${next}.sql`), 'CREATE TABLE extra (id int);');
    expect((await migrate(db.pool, dir)).applied).toEqual([next]);
  });
});

describe('pseudonym key fingerprint', () => {
  test('when the service starts with the same key, then it is accepted; with another key, then it refuses', async () => {
    await assertPseudonymKey(db.pool, 'k'.repeat(40));
    await assertPseudonymKey(db.pool, 'k'.repeat(40));
    await expect(assertPseudonymKey(db.pool, 'z'.repeat(40))).rejects.toThrow(/does not match/);
  });
});
