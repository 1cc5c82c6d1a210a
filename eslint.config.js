import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error'
    }
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        module: 'writable',
        require: 'readonly',
        URL: 'readonly'
      }
    }
  },
  {
    // Only config/ reads the environment (conventions: "config once").
    files: ['packages/server/src/**/*.ts'],
    ignores: ['packages/server/src/config/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'read settings through config/ only' }
      ]
    }
  },
  {
    // Only store/ and queue/ build queries; the dependency rules keep kysely values there too.
    files: ['packages/server/src/**/*.ts'],
    ignores: ['packages/server/src/store/**', 'packages/server/src/queue/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(selectFrom|updateTable|insertInto|deleteFrom|replaceInto|mergeInto)$/]',
          message: 'queries live in store/ (repositories) or queue/: call a repository method'
        },
        {
          selector:
            "CallExpression[callee.object.property.name='db'][callee.property.name='transaction']",
          message: 'open transactions with store.transaction(fn)'
        }
      ]
    }
  },
  {
    files: ['scripts/**', 'packages/*/bench/**', 'packages/*/src/cli/**', 'packages/*/test/**'],
    rules: { 'no-console': 'off' }
  }
)
