import { startRuntimeOrExit } from '../bootstrap.js';
import { createDeps } from '../deps.js';

/**
 * `npm run setup-webhooks`: registers the webhooks this service needs in the shop (PUBLIC_URL +
 * /webhooks/woocommerce, our secret, API v3), or repairs them (re-activates, resets secret). Safe to run twice.
 */
const { config, log, embedded } = await startRuntimeOrExit('cli');
if (!config.woo || !config.publicUrl) {
  console.error('woo-companion: setup-webhooks needs WC_URL, WC_CONSUMER_KEY, WC_CONSUMER_SECRET and PUBLIC_URL');
  await embedded?.stop();
  process.exit(1);
}
const deps = createDeps(config, log);
let code = 0;
try {
  const report = await deps.sync!.webhooks.setup();
  for (const t of report.topics) {
    const what = t.state === 'ok' ? (t.secretSet ? 'ok (secret set)' : 'ok')
      : t.repaired ? (t.state === 'missing' ? 'created' : `repaired (was ${t.state})`) : t.state;
    process.stdout.write(`${t.topic.padEnd(18)} ${what}${t.repairError ? ` — not changed: ${t.repairError}` : ''}\n`);
  }
  // A webhook left broken, or one whose secret could not be written, needs the operator (keys with Read/Write).
  if (report.topics.some((t) => t.repairError || (t.state !== 'ok' && !t.repaired))) code = 1;
} catch (err) {
  code = 1;
  console.error(`woo-companion: setup-webhooks failed: ${(err as Error).message}`);
} finally {
  await deps.close();
  await embedded?.stop();
}
process.exit(code);
