// What every Jest config of the project shares (jest.config.cjs, jest.faults.config.cjs): TypeScript and the ESM-only
// dependencies through swc as CommonJS, and `.js` import specifiers mapped to the `.ts` sources.
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    // cookie@2 (via light-my-request, fastify.inject) is ESM-only; Jest 30 on Node 20 cannot require it untransformed.
    '^.+\\.js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // cookie@2 is ESM-only and @fastify/cookie imports it dynamically: both go through swc (import() → require).
  // content-disposition@3 (via @fastify/static, under bull-board and swagger-ui) is ESM-only too.
  transformIgnorePatterns: ['/node_modules/(?!(cookie|@fastify/cookie|content-disposition)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
