// Lint enforces the layering of docs/architecture.md: arrows only point down.
// renderer → provisioning/api; electron → provisioning; cli/server → engine and below;
// provisioning never imports electron, react or the renderer.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Builds a no-restricted-imports rule that forbids the given folders (by path segment). */
function forbid(message, ...folders) {
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: folders.map((folder) => ({
          group: [`**/${folder}`, `**/${folder}/**`],
          message,
        })),
      },
    ],
  };
}

const upperProvisioning = ['cli', 'server'];

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'renderer/dist/', 'test-results/', 'playwright-report/', 'artifacts/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The renderer never touches Electron: use the api client.' },
            { name: 'ssh2', message: 'The renderer never opens connections: use the api client.' },
          ],
          patterns: [
            {
              group: [
                '**/provisioning/*',
                '!**/provisioning/api',
                '**/provisioning/*/**',
                '!**/provisioning/api/**',
                '**/electron/**',
                'node:*',
              ],
              message: 'The renderer imports only provisioning/api (the contract); see docs/architecture.md.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: forbid('Electron main and preload never import the renderer.', 'renderer'),
  },
  {
    files: ['provisioning/**/*.ts'],
    ignores: ['provisioning/cli/**', 'provisioning/server/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'provisioning is plain Node: no electron.' },
            { name: 'react', message: 'provisioning is plain Node: no react.' },
          ],
          patterns: [
            {
              group: [
                ...['renderer', 'electron', ...upperProvisioning].flatMap((f) => [`**/${f}`, `**/${f}/**`]),
              ],
              message: 'Layering: the engine never imports its front doors (cli, server, electron, renderer).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['provisioning/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', '!../api', '../../*', 'node:*', 'ssh2'],
              message: 'provisioning/api is the contract: types and zod schemas only, importable by the renderer.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['provisioning/{ssh,facts,discovery,lab,util}/**/*.ts'],
    rules: forbid(
      'Layering: transport, facts, discovery and lab sit below checks, recipes, engine and monitor.',
      'checks',
      'recipes',
      'engine',
      'monitor',
      'cli',
      'server',
      'renderer',
      'electron',
    ),
  },
);
