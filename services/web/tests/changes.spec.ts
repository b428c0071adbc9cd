// Benchmark changes in the console: a change is listed, opened with its
// series and marker, triaged (checked against the API), and its commits
// compared side by side.
import { apiGet, expect, screenshot, test } from "./helpers";

interface Change {
  id: number;
  config_id: number;
  metric: string;
  status: string;
  note: string | null;
  triaged_by: string | null;
}

test("a change is triaged from the console", async ({ page, errors }) => {
  const id = process.env.WFM_CHANGE;
  expect(id, "the harness files a change on a demo series").toBeTruthy();
  const change = await apiGet<Change>(page, `/changes/${id}`);
  expect(change.status).toBe("new");

  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Changes" }).click();
  await expect(page.getByRole("heading", { name: "Changes", level: 1 })).toBeVisible();
  const row = page.locator(`tr[data-change="${id}"]`);
  await expect(row.getByText("regression")).toBeVisible();
  await screenshot(page, "console-changes");

  await row.getByRole("link", { name: `#${id}` }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(change.metric);
  // the series with the change marked on it
  const chart = page.getByRole("figure", { name: `${change.metric} of` });
  await expect(chart.locator(".chart-host")).toHaveAttribute("data-markers", "1");
  await expect(chart.getByRole("list", { name: "Changes marked on the chart" })).toContainText("regression");

  const triage = page.getByRole("form", { name: "Triage" });
  await triage.getByLabel("Status").selectOption("acknowledged");
  await triage.getByLabel("Note").fill("console test: the driver update");
  await triage.getByLabel("Your name").fill("ana");
  await triage.getByRole("button", { name: "Save triage" }).click();
  await expect(triage.getByRole("status")).toHaveText("Saved: acknowledged");
  const saved = await apiGet<Change>(page, `/changes/${id}`);
  expect([saved.status, saved.note, saved.triaged_by]).toEqual(["acknowledged", "console test: the driver update", "ana"]);
  await expect(page.getByText("console test: the driver update")).toBeVisible();
  await screenshot(page, "console-change");

  // no longer new: the default list leaves it out, the acknowledged one shows it
  await page.goto("/changes");
  await expect(page.getByRole("table", { name: "Changes" }).or(page.getByText("No change matches"))).toBeVisible();
  await expect(page.locator(`tr[data-change="${id}"]`)).toHaveCount(0);
  await page.getByLabel("Status").selectOption("acknowledged");
  await expect(page).toHaveURL(/status=acknowledged/);
  await expect(page.locator(`tr[data-change="${id}"]`)).toBeVisible();
  expect(errors).toEqual([]);
});

test("the commits around a change are compared", async ({ page, errors }) => {
  const id = process.env.WFM_CHANGE;
  await page.goto(`/changes/${id}`);
  await page.getByRole("link", { name: "Compare before and after" }).click();
  await expect(page.getByRole("heading", { name: "Compare", level: 1 })).toBeVisible();
  await expect(page).toHaveURL(/base=commit%3A|base=commit:/);
  const table = page.getByRole("table", { name: "Comparison" });
  await expect(table.getByRole("row").nth(1)).toBeVisible();
  // one row per series and metric of the two runs' records, as the API says
  const url = new URL(page.url());
  const params = new URLSearchParams({ base: url.searchParams.get("base")!, head: url.searchParams.get("head")! });
  const api = await apiGet<{ rows: unknown[] }>(page, `/configs/${url.searchParams.get("config")}/compare?${params}`);
  await expect(table.getByRole("row")).toHaveCount(api.rows.length + 1);
  await screenshot(page, "console-compare");
  expect(errors).toEqual([]);
});
