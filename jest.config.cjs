/** Tests run on real Postgres and Redis; each file gets its own schema and queue prefix (test/setup). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    // cookie@2 (via light-my-request, fastify.inject) is ESM-only; Jest 30 on Node 20 cannot require it untransformed.
    '^.+\\.js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // cookie@2 is ESM-only and @fastify/cookie imports it dynamically: both go through swc (import() → require).
  // content-disposition@3 (via @fastify/static, under bull-board and swagger-ui) is ESM-only too.
  transformIgnorePatterns: ['/node_modules/(?!(cookie|@fastify/cookie|content-disposition)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/test/setup/global-setup.cjs',
  reporters: ['default', '<rootDir>/test/setup/summary-reporter.cjs'],
  testTimeout: 30000,
  maxWorkers: 2,
};
