// Stops the embedded Postgres the global setup started (only on a machine without a Postgres service).
module.exports = async function globalTeardown() {
  await globalThis.__wooEmbeddedPostgres?.stop();
};
