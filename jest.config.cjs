/**
 * Tests run on real Postgres and Redis; each file gets its own schema and queue prefix (test/setup).
 * Two projects: every test with the queues on Redis, and the intake, mirror and retention tests once more with the
 * queues on BullMQ's Postgres backend. Without Postgres or Redis services the global setup falls back to an embedded
 * Postgres and the Postgres backend (test/setup/global-setup.cjs). The fault suite has its own config.
 */
const base = {
  ...require('./test/setup/jest-base.cjs'),
  roots: ['<rootDir>/test'],
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
