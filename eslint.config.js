import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import prettier from 'eslint-config-prettier'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**'] },
  js.configs.recommended,
  // Plain JS entry points (bin/) run on Node: give them Node's globals.
  { files: ['**/*.js'], languageOptions: { globals: { process: 'readonly', URL: 'readonly', console: 'readonly' } } },
  ...tseslint.configs.recommended,
  {
    // Type information for the rules below: each file is checked against the tsconfig that owns it
    // (tsconfig.json for Node code, ui/tsconfig.json for the console).
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // A switch over a union must name every member (or say `default` on purpose): a new phase,
      // status or event kind then fails lint where it is not handled, instead of falling through.
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // A promise nobody awaits loses its rejection (an unhandled rejection kills the worker) and its
      // ordering; fire-and-forget must be written `void p` with a comment saying why.
      '@typescript-eslint/no-floating-promises': 'error',
      // An async callback where a void one is expected (event emitters, setInterval, Array#forEach)
      // drops its rejection the same way.
      '@typescript-eslint/no-misused-promises': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ExportAllDeclaration',
          message: 'No export * chains: import from the file that defines the thing.'
        }
      ]
    }
  },
  // Plain JS has no types to check against.
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  // Layout is prettier's (npm run format); turn off the stylistic rules that would disagree with it.
  prettier
)
