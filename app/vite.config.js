// Builds the web app into app/dist: static files a person can host anywhere (relative paths).
// scripts/build-app.sh first compiles the name rule (app/name-rule) to src/generated/.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // polkadot.js is most of the bundle; one chunk of it is expected.
    chunkSizeWarningLimit: 2048,
  },
});
