// Creates the test database once; each test file then migrates its own schema inside it (test/setup/context.ts).
const { Client } = require('pg');

module.exports = async function globalSetup() {
  const url = new URL(process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/woo_companion_test');
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (err) {
    if (err.code !== '42P04') throw err;
  } finally {
    await client.end();
  }
};
