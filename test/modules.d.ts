/** Types for the JS modules the tests import that ship none (type-checked by `npm run typecheck`, tsconfig.test.json). */
declare module 'polywasm' {
  export const WebAssembly: unknown;
}
