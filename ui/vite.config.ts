import { defineConfig } from 'vitest/config';

// The Tauri shell embeds ui/dist; there is no dev server in the loop.
export default defineConfig({
  clearScreen: false,
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
  },
  test: {
    include: ['src/**/*.test.ts'],
  },
});
