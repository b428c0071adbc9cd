// What every browser test shares: a page that fails on any console error or
// uncaught exception, and screenshots where the harness asks for them.
import { expect, type Page, test as base } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";

export const test = base.extend<{ errors: string[] }>({
  // auto: every test fails on a console error, page error or 5xx, named or not
  errors: [
    async ({ page }, use) => {
    const errors: string[] = [];
    page.on("console", (msg) => {
      // Chromium also logs every 4xx answer as an error; the app expects some
      // (a config with no backfill is a 404) and shows them: server failures
      // are caught below, by status.
      if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) errors.push(`console: ${msg.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`page: ${e.message}`));
    page.on("response", (r) => {
      if (r.status() >= 500) errors.push(`server: ${r.status()} ${r.request().method()} ${r.url()}`);
    });
      await use(errors);
      expect(errors, "the page logged errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Saves a full-page screenshot as <name>.png in WFM_CONSOLE_SCREENSHOTS (when set). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.WFM_CONSOLE_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** The API's data for a GET under the base path. */
export async function apiGet<T>(page: Page, route: string): Promise<T> {
  const res = await page.request.get(`/v1/github-workflow-metrics${route}`);
  expect(res.ok(), `GET ${route}: ${res.status()}`).toBeTruthy();
  return (await res.json()).data as T;
}

/** The API's data for a POST under the base path. */
export async function apiPost<T>(page: Page, route: string, body: unknown): Promise<T> {
  const res = await page.request.post(`/v1/github-workflow-metrics${route}`, { data: body });
  expect(res.ok(), `POST ${route}: ${res.status()}`).toBeTruthy();
  return (await res.json()).data as T;
}
