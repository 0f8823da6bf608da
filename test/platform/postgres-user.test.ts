import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePostgresUser, ensureReachable, isRoot } from '../../src/platform/postgres-user.js';

/**
 * Zero-setup mode as root: the embedded Postgres runs as the `postgres` OS user, who must be able to enter every
 * directory above its data. Only the search bit is added, and only where that user lacks it.
 */
(isRoot() ? test : test.skip)(
  `as root, directories the postgres user cannot enter get o+x and nothing else${isRoot() ? '' : ' — skipped: needs root'}`,
  () => {
    const notes: string[] = [];
    const who = ensurePostgresUser((m) => notes.push(m));
    expect(who.uid).toBeGreaterThan(0);
    const base = mkdtempSync(join(tmpdir(), 'woo-reach-'));
    try {
      const deep = join(base, 'a', 'b');
      mkdirSync(join(deep, 'pg'), { recursive: true, mode: 0o700 }); // as start-up does before handing pg/ over
      const opened = ensureReachable(join(deep, 'pg', 'PG_VERSION'), who);
      expect(opened).toEqual(expect.arrayContaining([join(base, 'a'), deep, join(deep, 'pg')]));
      for (const d of [join(base, 'a'), deep, join(deep, 'pg')]) expect(statSync(d).mode & 0o777).toBe(0o701);
      expect(ensureReachable(join(deep, 'pg', 'PG_VERSION'), who)).toEqual([]); // idempotent
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  },
);
