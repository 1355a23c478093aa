// Two projects: fast pure unit tests, and integration tests that talk to a real
// AWS emulator (moto server) started by the global setup on a free loopback port.
const transform = { '^.+\\.(t|j)sx?$': ['@swc/jest'] };
// middy ships ESM only; let swc transform it (TOOLCHAIN.md).
const transformIgnorePatterns = ['/node_modules/(?!@middy/)'];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/lib/**/*.test.ts', '<rootDir>/test/unit/**/*.test.ts', '<rootDir>/functions/**/*.test.ts'],
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
      setupFiles: ['<rootDir>/test/support/env.ts'],
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
      setupFiles: ['<rootDir>/test/support/env.ts'],
      globalSetup: '<rootDir>/test/integration/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/harness/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/integration/harness/timeout.ts'],
    },
  ],
};
