import { parseArgs } from 'node:util';
import { startRuntimeOrExit } from '../bootstrap.js';
import { createPool } from '../platform/db.js';
import { createOperator, revoke } from '../operators/operators.service.js';

/**
 * `npm run operator:create -- --name <name> --role operator|auditor` prints the new token once (run it again to
 * rotate the token); `npm run operator:revoke -- --name <name>` revokes it and ends its desk sessions at once.
 */
const command = process.argv[2];
const { values } = parseArgs({ args: process.argv.slice(3), options: { name: { type: 'string' }, role: { type: 'string' } }, strict: true });
const name = values.name?.trim() ?? '';
if (!/^[\p{L}\p{N} ._@-]{2,64}$/u.test(name)) {
  console.error('woo-companion: --name is required: 2–64 letters, digits, spaces or . _ @ -');
  process.exit(2);
}
const { config, embedded } = await startRuntimeOrExit('cli');
const pool = createPool(config.databaseUrl, { max: 1 });
try {
  if (command === 'create') {
    const role = values.role ?? 'operator';
    if (role !== 'operator' && role !== 'auditor') {
      console.error('woo-companion: --role must be operator or auditor');
      process.exitCode = 2;
    } else {
      const r = await createOperator(pool, { name, role, ttlDays: config.operatorTokenTtlDays, now: new Date() });
      process.stdout.write(`${r.rotated ? 'New token for' : 'Created'} ${role} "${name}" (valid until ${r.expiresAt.toISOString()}).\n`);
      process.stdout.write(`Token (shown once; use it as "Authorization: Bearer <token>" or to sign in at /desk/login):\n${r.token}\n`);
    }
  } else if (command === 'revoke') {
    if (await revoke(pool, name)) process.stdout.write(`Revoked "${name}".\n`);
    else {
      // A script revoking a departed colleague must see that nothing was revoked (a typo in the name).
      console.error(`woo-companion: no operator "${name}"; nothing revoked`);
      process.exitCode = 1;
    }
  } else {
    console.error('woo-companion: usage: operator create|revoke --name <name> [--role operator|auditor]');
    process.exitCode = 2;
  }
} finally {
  await pool.end();
  await embedded?.stop();
}
