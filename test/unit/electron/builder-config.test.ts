import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * Packaging cannot run on the development machines (electron-builder downloads its
 * tools), so its configuration is checked here: against electron-builder's own JSON
 * schema, with its own validator, and for the security settings we rely on.
 */
const require = createRequire(import.meta.url);
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration: (config: unknown, debug: { isEnabled: boolean; add: () => void }) => Promise<void>;
};

const config = parse(readFileSync('build/electron-builder.yml', 'utf8')) as Record<string, unknown> & {
  electronFuses: Record<string, boolean>;
  linux: { target: string[] };
  files: string[];
};

describe('build/electron-builder.yml', () => {
  it("is valid under electron-builder's own schema (node_modules/app-builder-lib/scheme.json)", async () => {
    await expect(
      validateConfiguration(config, { isEnabled: false, add: () => undefined }),
    ).resolves.toBeUndefined();
  });

  it('is rejected by the same check when a field is misspelt (the check has teeth)', async () => {
    await expect(
      validateConfiguration({ ...config, asarr: true }, { isEnabled: false, add: () => undefined }),
    ).rejects.toThrow(/asarr/);
  });

  it('flips the fuses that keep the packaged app from being used as a Node runtime', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
    });
  });

  it('packs the app into an asar archive and builds AppImage and deb on Linux, with mac and win declared', () => {
    expect(config.asar).toBe(true);
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.mac).toBeDefined();
    expect(config.win).toBeDefined();
  });

  it('ships only built output: no sources, no source maps', () => {
    expect(config.files).toContain('dist/electron/**/*');
    expect(config.files).toContain('renderer/dist/**/*');
    expect(config.files.some((pattern) => /^(provisioning|electron|renderer\/src)\b/.test(pattern))).toBe(
      false,
    );
    expect(config.files).toContain('!dist/electron/**/*.map');
    expect((config.extraMetadata as { main: string }).main).toBe('dist/electron/main.cjs');
  });
});
