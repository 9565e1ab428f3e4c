import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    // The browser tests drive a real server and Chromium (and wait for a TOTP step once they have spent
    // the current and the next one, test/support/fresh-totp.ts): let them take their time.
    testTimeout: 120_000,
    globalSetup: ['test/global-setup.ts'],
    hookTimeout: 60_000,
    pool: 'forks',
    // The independent COSE implementation used in a test imports without file extensions (bundler
    // style): Vite resolves it instead of Node.
    server: { deps: { inline: ['@ldclabs/cose-ts'] } },
  },
});
