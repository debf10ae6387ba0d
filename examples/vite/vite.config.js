import { defineConfig } from 'vite';
import kiln from 'wasm-kiln/bundler';

export default defineConfig({
  plugins: [kiln.vite()],
  // SQLite and Brotli compiled to JS: about 4.5 MB minified (1.4 MB gzipped).
  build: { chunkSizeWarningLimit: 8000 },
});
