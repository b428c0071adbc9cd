// Builds the console into dist/, which wfm-api serves at / (WFM_CONSOLE_DIR).
// `npm run dev` serves it with the API proxied to WFM_API (default: the api
// scripts/dev starts).
import { defineConfig } from "vitest/config";

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { "/v1": process.env.WFM_API ?? "http://127.0.0.1:8080" },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
