import { defineConfig } from 'vite';

// The web app is built into dist/web and served by the TrialVault server itself.
export default defineConfig({
  root: 'src/web',
  base: '/',
  build: { outDir: '../../dist/web', emptyOutDir: true, sourcemap: false, target: 'es2022' },
});
