// scripts/bench-console's browser half: the same Chromium as the tests.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: ".",
  testMatch: "*.bench.ts",
  timeout: 300_000,
  workers: 1,
  reporter: [["list"]],
  outputDir: "../test-results/bench",
  use: {
    baseURL: process.env.WFM_CONSOLE_URL,
    viewport: { width: 1280, height: 900 },
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.WFM_CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    },
  },
});
