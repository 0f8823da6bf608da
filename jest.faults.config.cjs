/**
 * The fault suite (`npm run test:faults`, after a build): each test runs the built service as child processes against
 * its own redis-server and database and breaks them on purpose. One file at a time: the box has 2 cores and each
 * test already runs several processes. Test files are compiled as in jest.config.cjs (test/setup/jest-base.cjs).
 */
module.exports = {
  ...require('./test/setup/jest-base.cjs'),
  roots: ['<rootDir>/test/faults'],
  testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
  testTimeout: 180000,
  maxWorkers: 1,
};
