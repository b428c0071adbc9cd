// Every page, reached as a user would, loads with no console error, shows
// the demo's data and is saved as a screenshot.
import { apiGet, apiPost, expect, screenshot, test } from "./helpers";

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
  const completed = await apiGet<{ total: number }>(page, "/runs?status=completed&limit=1");
  const all = await apiGet<{ total: number }>(page, "/runs?limit=1");
  expect(all.total, "some run is not completed (the scanner's, skipped)").toBeGreaterThan(completed.total);
  const shown = Math.min(completed.total, 50);
  await expect(table.getByRole("row")).toHaveCount(shown + 1);
  await expect(table.locator("tbody .badge", { hasText: /^completed$/ })).toHaveCount(shown);
  await screenshot(page, "console-runs");
  // the state is in the URL: a reload shows the same view
  await page.reload();
  await expect(page.getByLabel("Status")).toHaveValue("completed");
});

test("CI health shows the demo's jobs", async ({ page }) => {
  await page.goto("/ci");
  await expect(page.getByRole("heading", { name: "CI health", level: 1 })).toBeVisible();
  await expect(page.getByRole("table", { name: "Jobs" })).toBeVisible();
  // the charts over time, per day: the demo's jobs finished on 7 of them
  await expect(page.getByRole("figure", { name: /Success rate of jobs per day/ })).toBeVisible();
  await expect(page.getByRole("figure", { name: /Duration percentiles of .* per day/ })).toBeVisible();
  await screenshot(page, "console-ci-health");
});

test("the runner sets show what wfm-scanner recorded", async ({ page }) => {
  const sets = await apiGet<{ runner_sets: { namespace: string; name: string }[] }>(page, "/autoscaling-runner-sets");
  expect(sets.runner_sets.length, "the harness's scanner recorded a set").toBeGreaterThan(0);
  const { namespace, name } = sets.runner_sets[0];
  await page.goto("/runner-sets");
  const table = page.getByRole("table", { name: "Runner sets" });
  await expect(table.getByRole("link", { name })).toBeVisible();
  await screenshot(page, "console-runner-sets");
  await table.getByRole("link", { name }).click();
  await expect(page).toHaveURL(new RegExp(`/runner-sets/${namespace}/${name}`));
  await expect(page.getByRole("heading", { level: 1 })).toContainText(name);
  await expect(page.getByRole("table", { name: "Runners" }).getByRole("row").nth(1)).toBeVisible();
  await screenshot(page, "console-runner-set");
});

test("the config page's tabs: settings, runs and a backfill preview", async ({ page }) => {
  await page.goto("/configs/1");
  await expect(page.getByRole("heading", { name: "demo-nightly-gpu-benchmarks", level: 1 })).toBeVisible();
  await screenshot(page, "console-config-settings");
  await page.getByRole("navigation", { name: "Config sections" }).getByRole("link", { name: "Runs" }).click();
  await expect(page).toHaveURL(/tab=runs/);
  const runs = await apiGet<{ total: number }>(page, "/configs/1/runs?limit=1");
  await expect(page.getByRole("table", { name: "Runs" }).getByRole("row")).toHaveCount(Math.min(runs.total, 20) + 1);
  await screenshot(page, "console-config-runs");

  // the runner-set config the harness bound to the scanner's set
  const configs = await apiGet<{ configs: { id: number; runner_set_name: string | null }[] }>(page, "/configs");
  const bound = configs.configs.find((c) => c.runner_set_name);
  expect(bound, "a config bound to a runner set").toBeTruthy();
  await page.goto(`/configs/${bound!.id}?tab=backfill`);
  await page.getByRole("button", { name: "Preview (dry run)" }).click();
  const preview = await apiPost<{ total: number }>(page, `/configs/${bound!.id}/backfill`, { dry_run: true });
  await expect(page.getByText(`${preview.total} runner(s) would be collected`)).toBeVisible();
  if (preview.total > 0) {
    await expect(page.getByRole("table", { name: "Runners to backfill" }).getByRole("row")).toHaveCount(Math.min(preview.total, 20) + 1);
  }
  await screenshot(page, "console-config-backfill");
});

test("an unknown path is the app's not-found page", async ({ page }) => {
  await page.goto("/no/such/page");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await page.getByRole("link", { name: "Go to the overview" }).click();
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
});
