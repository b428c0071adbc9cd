// Every page, reached as a user would, loads with no console error, shows
// the demo's data and is saved as a screenshot.
import { apiGet, expect, screenshot, test } from "./helpers";

test("the overview lists the demo's config and links everywhere", async ({ page, errors }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  const configs = page.getByRole("table", { name: "Configs" });
  await expect(configs.getByRole("link", { name: "demo-nightly-gpu-benchmarks" })).toBeVisible();
  // the headline sparkline comes from the demo's records
  await expect(configs.locator("svg.sparkline")).toBeVisible();
  // the day's runs, counted by status: the demo's runs all completed
  const runs = await apiGet<{ total: number }>(page, "/runs?status=completed&limit=1");
  await expect(page.getByRole("link", { name: `${runs.total} completed runs` })).toBeVisible();
  await screenshot(page, "console-overview");
  for (const [name, heading] of [
    ["Metrics explorer", "Metrics explorer"],
    ["Runs", "Runs"],
    ["CI health", "CI health"],
    ["Runner sets", "Runner sets"],
  ]) {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).click();
    await expect(page.getByRole("heading", { name: heading, level: 1 })).toBeVisible();
  }
  expect(errors).toEqual([]);
});

test("the runs page filters by status through the URL", async ({ page }) => {
  await page.goto("/runs");
  const table = page.getByRole("table", { name: "Runs" });
  await expect(table.getByRole("row").nth(1)).toBeVisible();
  await page.getByLabel("Status").selectOption("completed");
  await expect(page).toHaveURL(/status=completed/);
  await expect(table.getByText("completed").first()).toBeVisible();
  await screenshot(page, "console-runs");
  // the state is in the URL: a reload shows the same view
  await page.reload();
  await expect(page.getByLabel("Status")).toHaveValue("completed");
});

test("CI health shows the demo's jobs", async ({ page }) => {
  await page.goto("/ci");
  await expect(page.getByRole("heading", { name: "CI health", level: 1 })).toBeVisible();
  await expect(page.getByRole("table", { name: "Jobs" })).toBeVisible();
  await screenshot(page, "console-ci-health");
});

test("runner sets say what to do when there is no cluster", async ({ page }) => {
  await page.goto("/runner-sets");
  await expect(page.getByRole("heading", { name: "Runner sets", level: 1 })).toBeVisible();
  await expect(page.getByText(/wfm-scanner/).first()).toBeVisible();
  await screenshot(page, "console-runner-sets");
});

test("an unknown path is the app's not-found page", async ({ page }) => {
  await page.goto("/no/such/page");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await page.getByRole("link", { name: "Go to the overview" }).click();
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
});
