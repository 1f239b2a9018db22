/**
 * Builds the renderer (renderer/ → dist/renderer/). `base: './'` keeps asset URLs relative so the same
 * build loads from the Electron shell and from the headless host's HTTP server.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('./renderer', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/renderer', import.meta.url));

/**
 * The dev server injects an inline script (React Fast Refresh) that the production CSP forbids; drop the
 * CSP meta while serving only. Builds keep it.
 */
function devWithoutCsp(): Plugin {
  return {
    name: 'keybridge-dev-without-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace(/<meta\s+http-equiv="Content-Security-Policy"[\s\S]*?\/>/, ''),
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [react(), devWithoutCsp()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // Chromium (Electron and Debian's) supports modulepreload natively; the polyfill is dead weight.
    modulePreload: { polyfill: false },
    // No data: URIs for assets: everything is a file the CSP's 'self' covers.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
