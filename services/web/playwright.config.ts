// Browser tests in Debian's Chromium (never a downloaded browser), against a
// running wfm-api that serves the built console: tests/tests/console.rs
// starts the binaries and the demo, then runs `npx playwright test` with
// WFM_CONSOLE_URL set.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "tests",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL: process.env.WFM_CONSOLE_URL ?? "http://127.0.0.1:8080",
    viewport: { width: 1280, height: 900 },
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.WFM_CHROMIUM ?? "/usr/bin/chromium",
      // root in CI containers: Chromium's sandbox needs a user namespace it may not get
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    },
    trace: "off",
  },
});
