/**
 * Tests run on real Postgres and Redis; each file gets its own schema and queue prefix (test/setup).
 * Two projects: every test with the queues on Redis, and the intake, mirror and retention tests once more with the
 * queues on BullMQ's Postgres backend. Without Postgres or Redis services the global setup falls back to an embedded
 * Postgres and the Postgres backend (test/setup/global-setup.cjs). The fault suite has its own config.
 */
const base = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    // cookie@2 (via light-my-request, fastify.inject) is ESM-only; Jest 30 on Node 20 cannot require it untransformed.
    '^.+\\.js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // cookie@2 is ESM-only and @fastify/cookie imports it dynamically: both go through swc (import() → require).
  // content-disposition@3 (via @fastify/static, under bull-board and swagger-ui) is ESM-only too.
  transformIgnorePatterns: ['/node_modules/(?!(cookie|@fastify/cookie|content-disposition)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/'],
};

module.exports = {
  projects: [
    { ...base, displayName: 'all', testMatch: ['**/*.test.ts'] },
    {
      ...base,
      displayName: 'queues-postgres',
      testMatch: [
        '**/test/intake/intake.routes.test.ts',
        '**/test/mirror/mirror.e2e.test.ts',
        '**/test/retention/*.test.ts',
        '**/test/platform/queue-backend.test.ts',
        '**/test/operator/queues-dashboard.test.ts',
      ],
      setupFiles: ['<rootDir>/test/setup/postgres-queues.cjs'],
    },
  ],
  globalSetup: '<rootDir>/test/setup/global-setup.cjs',
  globalTeardown: '<rootDir>/test/setup/global-teardown.cjs',
  reporters: ['default', '<rootDir>/test/setup/summary-reporter.cjs'],
  testTimeout: 30000,
  maxWorkers: 2,
};
