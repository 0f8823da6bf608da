import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The suite-wide search the global teardown runs over every captured log line (test/setup/personal-data-scan.cjs).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { scan } = require('../setup/personal-data-scan.cjs') as { scan: (dir: string) => string[] };

test('the suite-wide log search finds fixture personal data and passes lines that carry only ids, counts and truncated IPs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'woo-scan-'));
  try {
    writeFileSync(join(dir, 'clean.log'), [
      '{"level":30,"msg":"delivery applied","inboxId":42,"wcOrderId":1007}',
      '{"level":30,"msg":"stored","ip":"203.0.113.0","from":"privacy@shop.example"}',
    ].join('\n'));
    expect(scan(dir)).toEqual([]);
    writeFileSync(join(dir, 'leak.log'), [
      '{"level":50,"msg":"failed","email":"created-17@example.com"}',
      '{"level":40,"msg":"bad address","street":"Keizersgracht 1"}',
      '{"level":40,"msg":"client","ip":"203.0.113.7"}',
      '{"level":40,"msg":"name","firstName":"Ann"}',
    ].join('\n'));
    const found = scan(dir);
    expect(found).toHaveLength(4);
    expect(found[0]).toMatch(/^leak\.log:1 /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
