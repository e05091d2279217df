import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * Builds the renderer once for both doors: relative asset URLs so that the same
 * files load from the web bridge (http://127.0.0.1) and from Electron's app:// scheme.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'chrome120',
    chunkSizeWarningLimit: 1200,
    reportCompressedSize: false,
  },
});
