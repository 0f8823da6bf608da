/**
 * The fault suite (`npm run test:faults`, after a build): each test runs the built service as child processes against
 * its own redis-server and database and breaks them on purpose. One file at a time: the box has 2 cores and each
 * test already runs several processes. Test files are compiled as in jest.config.cjs (swc, CommonJS).
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/faults'],
  testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    '^.+\\.js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(cookie|@fastify/cookie|content-disposition)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 180000,
  maxWorkers: 1,
};
