// Lint is where the architecture is enforced: the import boundaries below are the layering that
// README's "Architecture" section describes, not style. Formatting belongs to Prettier alone.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SUBGRAPHS = ['identity-consent', 'listings-matching', 'external-sources', 'analytics'];

/** Package internals nobody may import: they change without notice between patch releases. */
const DEEP_IMPORTS = [
  { regex: '^@apollo/[^/]+/dist(/|$)', message: 'Import the package entry point, not its dist/ internals.' },
  { regex: '^graphql-shield/(typings|dist)(/|$)', message: 'Import graphql-shield itself, not its internals.' },
  { regex: '^type-graphql/(dist|build)(/|$)', message: 'Import type-graphql itself, not its internals.' },
];

/** Platform is reached as #platform/… (package.json "imports"), never by a relative path. */
const PLATFORM_BY_ALIAS = {
  regex: '^(\\.\\./)+(.*/)?platform(/|$)',
  message: 'Import platform as #platform/… (package.json "imports"), not by a relative path.',
};

/** What any file under platform/ may not import. */
const PLATFORM = [
  { regex: '(^|/)(subgraphs|gateway)(/|$)', message: 'platform/ imports no service (subgraphs/ or gateway/).' },
  { regex: '(^|/)bench(/|$)', message: 'platform/ does not import bench/.' },
  {
    regex: '^\\.',
    message: 'Inside platform/ import #platform/… too: one spelling per module, and the boundaries below see it.',
  },
];

/** Infrastructure imports no service contract, except the one named (a path under platform/contracts/). */
function infraImportsNoContract(except) {
  return {
    regex: except ? `^#platform/contracts/(?!${except}$)` : '^#platform/contracts/',
    message: except
      ? `platform/infra/ imports no contract (platform/contracts/) here, except contracts/${except}.`
      : 'platform/infra/ is shared machinery: it imports no contract (platform/contracts/); contracts may use infra.',
  };
}

/** One `no-restricted-imports` entry per area: flat config replaces a rule's options, so each area lists all of its bans. */
function boundaries(extra) {
  return ['error', { patterns: [...DEEP_IMPORTS, PLATFORM_BY_ALIAS, ...extra] }];
}

const otherSubgraphs = (name) =>
  SUBGRAPHS.filter((other) => other !== name).map((other) => ({
    regex: `(^|/)(subgraphs/)?${other}(/|$)`,
    message: `A subgraph never imports another subgraph (${name} → ${other}): talk through the graph, events or a contract in platform/contracts.`,
  }));

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.data/**',
      'coverage/**',
      'schema/generated/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Type-aware rules whose bugs are real here (a dropped promise loses an error or a write).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/no-empty-object-type': 'off',
      'no-control-regex': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      'no-restricted-imports': boundaries([]),
    },
  },
  // platform/ is shared machinery (infra/) and agreements between services (contracts/): it never
  // depends on a service. Contracts may use infra; infra knows no contract, except at the two places
  // where the machinery carries one (below).
  {
    files: ['platform/**/*.ts'],
    rules: { 'no-restricted-imports': boundaries(PLATFORM) },
  },
  {
    files: ['platform/infra/**/*.ts'],
    rules: { 'no-restricted-imports': boundaries([...PLATFORM, infraImportsNoContract()]) },
  },
  // The event machinery moves and checks events of the catalogue's types: it may import the catalogue.
  {
    files: ['platform/infra/events/**/*.ts'],
    rules: { 'no-restricted-imports': boundaries([...PLATFORM, infraImportsNoContract('events/catalogue')]) },
  },
  // The subgraph kit serves every subgraph's part of the data-subject protocol on its signed routes.
  {
    files: ['platform/infra/service/**/*.ts'],
    rules: { 'no-restricted-imports': boundaries([...PLATFORM, infraImportsNoContract('data-subject')]) },
  },
  ...SUBGRAPHS.map((name) => ({
    files: [`subgraphs/${name}/**/*.ts`],
    rules: {
      'no-restricted-imports': boundaries([
        ...otherSubgraphs(name),
        { regex: '(^|/)gateway(/|$)', message: 'A subgraph never imports the gateway.' },
        { regex: '(^|/)bench(/|$)', message: 'A subgraph does not import bench/.' },
      ]),
    },
  })),
  {
    files: ['gateway/**/*.ts'],
    rules: {
      'no-restricted-imports': boundaries([
        { regex: '(^|/)subgraphs/', message: 'The gateway reaches subgraphs over HTTP only, never by import.' },
        { regex: '(^|/)bench(/|$)', message: 'The gateway does not import bench/.' },
      ]),
    },
  },
  {
    files: ['scripts/**/*.ts'],
    rules: {
      'no-restricted-imports': boundaries([{ regex: '(^|/)bench(/|$)', message: 'scripts/ does not import bench/.' }]),
    },
  },
  // Third-party gateway configs are outside the TypeScript project: lint them without type information.
  { files: ['deploy/**/*.ts'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['test/**/*.ts', '**/*.test.ts', 'bench/**/*.ts', '**/*.soak.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
