// Stops the embedded Postgres the global setup started (only on a machine without a Postgres service), then searches
// every log line the suite captured for the fixtures' personal data: a leak anywhere fails the run.
const { rmSync } = require('node:fs');
const { scan } = require('./personal-data-scan.cjs');

module.exports = async function globalTeardown() {
  await globalThis.__wooEmbeddedPostgres?.stop();
  const dir = process.env.WOO_TEST_LOG_DIR;
  if (!dir) return;
  const leaks = scan(dir);
  if (leaks.length) {
    throw new Error(`personal data of the fixtures in captured log lines (kept in ${dir}):\n${leaks.join('\n')}`);
  }
  process.stdout.write('log search: no personal data of the fixtures in any captured log line of the suite\n');
  rmSync(dir, { recursive: true, force: true });
};
