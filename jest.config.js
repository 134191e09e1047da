/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/platform', '<rootDir>/gateway', '<rootDir>/subgraphs'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  setupFiles: ['reflect-metadata'],
  testTimeout: 60_000,
  // Two cores here: two workers keep both busy without starving the servers the tests start.
  maxWorkers: 2,
};
