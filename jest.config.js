/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/platform', '<rootDir>/gateway', '<rootDir>/subgraphs'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      // 151002: ts-jest notes that it compiles as CommonJS although tsconfig.json says node20 (which
      // is what tsc emits for this CommonJS package too); tsconfig.jest.json adds #platform/* for it.
      { tsconfig: 'tsconfig.jest.json', diagnostics: { warnOnly: false, ignoreCodes: [151002] } },
    ],
  },
  // package.json "imports" sends #platform/* to dist/ at runtime; tests run the TypeScript sources.
  moduleNameMapper: { '^#platform/(.*)$': '<rootDir>/platform/$1' },
  setupFiles: ['reflect-metadata'],
  testTimeout: 60_000,
  // Two cores here: two workers keep both busy without starving the servers the tests start.
  maxWorkers: 2,
};
