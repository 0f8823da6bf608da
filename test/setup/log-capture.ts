import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';

/**
 * Every log line the app writes during the suite is kept in `lines` (for a test's own checks) and appended to this
 * run's log directory (WOO_TEST_LOG_DIR, made by the global setup), which the global teardown searches for the
 * fixtures' personal data (test/setup/personal-data-scan.cjs): no test may leak it, not only the dedicated one.
 */
export function captureLogs(lines: string[]): Writable {
  const dir = process.env.WOO_TEST_LOG_DIR;
  const file = dir ? join(dir, `${process.pid}.log`) : null;
  return new Writable({
    write(chunk, _enc, cb) {
      const line = String(chunk);
      lines.push(line);
      if (file) appendFileSync(file, line.endsWith('\n') ? line : `${line}\n`);
      cb();
    },
  });
}

/** Output of a process a test starts (the built service), kept for the same search. */
export function keepProcessOutput(label: string, text: string): void {
  const dir = process.env.WOO_TEST_LOG_DIR;
  if (dir && text) appendFileSync(join(dir, `${process.pid}-${label}.log`), text);
}
