import { defineConfig } from 'vitest/config';

/**
 * Two tiers run on every `npm test`: unit (pure, fast) and integration (the CLI
 * against the practice lab; needs root on Linux). The VM lab runs by `npm run test:lab`.
 */
/** The VM lab (`npm run test:lab`): QEMU VMs under TCG, a cold image build takes minutes, a boot about one. */
const vmLabProject = {
  test: {
    name: 'vm-lab',
    include: ['test/lab/**/*.test.ts'],
    environment: 'node' as const,
    testTimeout: 600_000,
    hookTimeout: 1_800_000,
    fileParallelism: false,
  },
};
const vmLabRequested = process.argv.some((arg) => arg === 'vm-lab' || arg === '--project=vm-lab');

/**
 * IPMI fencing against simulated BMCs (`npm run test:fencing`): it installs the practice
 * lab fully and leaves it installed, which the integration tier's lab tests (a pristine
 * lab) must not see, so it runs only when named.
 */
const fencingProject = {
  test: {
    name: 'fencing',
    include: ['test/fencing/**/*.test.ts'],
    environment: 'node' as const,
    globalSetup: ['test/integration/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
};
const fencingRequested = process.argv.some((arg) => arg === 'fencing' || arg === '--project=fencing');

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      // Only when asked for by name, so that a plain `vitest run` (`npm test`) never boots VMs.
      ...(vmLabRequested ? [vmLabProject] : []),
      ...(fencingRequested ? [fencingProject] : []),
    ],
  },
});
