/** Every suite runs against the real Redis, Postgres and Temporal dev server. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // The repository imports itself by name, as a user project does.
  moduleNameMapper: {
    '^jobgate$': '<rootDir>/src/sdk/index.ts',
    '^jobgate/workflow$': '<rootDir>/src/sdk/workflow.ts',
    '^jobgate/client$': '<rootDir>/src/client/index.ts',
  },
  setupFiles: ['reflect-metadata'],
  testTimeout: 60_000,
  maxWorkers: 2,
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};
