// The console's main flows against the demo's data, each checked against
// the API: confirming and editing the schema, retrying a failed run, the
// explorer's chart and its CSV export, and keyboard-only navigation.
import * as fs from "node:fs";
import { apiGet, apiPost, expect, screenshot, test } from "./helpers";

interface Schema {
  version: number;
  generated_by: string;
  fields: { name: string; unit?: string | null }[];
}

test("the schema is confirmed, then edited, from the config page", async ({ page }) => {
  const before = await apiGet<Schema>(page, "/configs/1/schema");
  await page.goto("/configs/1?tab=schema");
  const status = page.getByLabel("Schema status");
  await expect(status.getByText("awaiting confirmation")).toBeVisible();
  await screenshot(page, "console-config-schema");

  await page.getByRole("button", { name: "Confirm schema" }).click();
  await expect(status.getByText("confirmed", { exact: true })).toBeVisible();
  const confirmed = await apiGet<Schema>(page, "/configs/1/schema");
  expect(confirmed.version).toBe(before.version + 1);
  expect(confirmed.generated_by).toBe("user");
  expect(confirmed.fields.map((f) => f.name)).toEqual(before.fields.map((f) => f.name));

  await page.getByLabel("Unit of TFLOP", { exact: true }).fill("TFLOP");
  await page.getByRole("button", { name: "Save schema" }).click();
  await expect
    .poll(async () => (await apiGet<Schema>(page, "/configs/1/schema")).version)
    .toBe(confirmed.version + 1);
  const edited = await apiGet<Schema>(page, "/configs/1/schema");
  expect(edited.fields.find((f) => f.name === "TFLOP")?.unit).toBe("TFLOP");
  // and the page shows what the API has, after a reload too
  await page.reload();
  await expect(page.getByLabel("Unit of TFLOP", { exact: true })).toHaveValue("TFLOP");
  await expect(page.getByRole("table", { name: "Schema versions" }).getByRole("row")).toHaveCount(edited.version + 1);
});

test("a failed run is retried from the runs page", async ({ page }) => {
  const id = process.env.WFM_FAILED_RUN;
  expect(id, "the harness names a failed run").toBeTruthy();
  await page.goto("/runs?status=failed");
  const row = page.locator(`tr[data-run="${id}"]`);
  await expect(row.getByText("console test: the results volume was gone")).toBeVisible();
  await screenshot(page, "console-runs-failed");
  await row.getByRole("button", { name: `Retry run ${id}` }).click();
  // the API moved it out of failed, and the collector collects it again
  await expect.poll(async () => (await apiGet<{ status: string }>(page, `/runs/${id}`)).status, { timeout: 30_000 }).toBe("completed");
  await expect(row).toHaveCount(0);
});

interface Trends {
  series: { group: Record<string, unknown>; metric: string; points: { time: string; value: number | null; count: number }[] }[];
}

test("the explorer charts the demo's points and exports exactly them", async ({ page }) => {
  await page.goto("/explore?config=1&metric=TFLOPS&group=Rank&interval=1d&range=30d");
  const chart = page.locator(".chart-host");
  await expect(chart).toHaveAttribute("data-series", "8");

  // the same question, asked of the API
  const end = new Date();
  const start = new Date(end.getTime() - 30 * 86400_000);
  const trends = await apiPost<Trends>(page, "/configs/1/metrics/trends", {
    metrics: ["TFLOPS"],
    group_by: ["Rank"],
    interval: "1d",
    start: start.toISOString(),
    end: end.toISOString(),
  });
  const times = new Set(trends.series.flatMap((s) => s.points.map((p) => p.time)));
  expect(trends.series).toHaveLength(8);
  await expect(chart).toHaveAttribute("data-points", String(times.size));

  // hovering a point names its run, commit and branch (the demo's runs are on main)
  const over = page.locator(".chart-host .u-over");
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.move(box.x + box.width / 2 + 1, box.y + box.height / 2);
  const tip = page.locator(".chart-tip");
  await expect(tip).toContainText(/run #\d+/);
  await expect(tip).toContainText(/commit [0-9a-f]{40}/);
  await expect(tip).toContainText("branch main");
  await expect(page.getByRole("table", { name: "Summary" }).getByRole("row").nth(1)).toBeVisible();
  await screenshot(page, "console-explorer");

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV", exact: true }).click()]);
  const csv = fs.readFileSync((await download.path())!, "utf8").trim().split(/\r?\n/);
  const header = csv[0].split(",");
  expect(header.slice(0, 4)).toEqual(["time", "group", "metric", "value"]);
  const exported = csv.slice(1).map((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, "").replace(/^"|"$/g, "").replace(/""/g, '"')));
  const expected = trends.series.flatMap((s) => s.points.filter((p) => p.value !== null).map((p) => [p.time, `Rank=${String(s.group.Rank)}`, s.metric, p.value as number] as const));
  expect(exported).toHaveLength(expected.length);
  const key = (t: string, g: string) => `${new Date(t).toISOString()}|${g}`;
  const values = new Map(exported.map((r) => [key(r[0], r[1]), Number(r[3])]));
  for (const [t, g, , v] of expected) {
    expect(values.get(key(t, g)), `${t} ${g}`).toBeCloseTo(v, 6);
  }
});

test("the main flows work with the keyboard alone", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  // Tab to the explorer link in the navigation and follow it
  const target = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Metrics explorer" });
  for (let i = 0; i < 15 && !(await target.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
  await expect(target).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Metrics explorer", level: 1 })).toBeVisible();
  // choose the config with the keyboard: the URL follows
  const config = page.getByLabel("Config");
  await config.focus();
  for (let i = 0; i < 5 && !/config=1\b/.test(page.url()); i++) await page.keyboard.press("ArrowDown");
  await expect(page).toHaveURL(/config=1\b/);
  const metric = page.getByRole("checkbox", { name: "TFLOPS", exact: true });
  await metric.focus();
  await page.keyboard.press("Space");
  await expect(page).toHaveURL(/metric=TFLOPS/);
});
