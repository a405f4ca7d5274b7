import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

// Static files for `escapement run --web`: relative asset paths, no inline scripts (the core
// serves the page with a Content-Security-Policy that forbids them).
export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  plugins: [solid()],
  resolve: { conditions: ["escapement-source"] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
