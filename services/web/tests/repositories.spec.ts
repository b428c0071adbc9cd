// Repository health in the console: the watched repositories, one added
// through the form (a bad name refused before any request), and a
// repository's metrics over time, every metric charted, with the newest
// values and their sources as the API gives them.
import { apiGet, expect, screenshot, test } from "./helpers";

interface Repository {
  id: number;
  owner: string;
  name: string;
  enabled: boolean;
}

interface Health {
  series: { metric: string; points: { t: string; value: number; source: string }[] }[];
}

test("repository health: the list, a new repository, the charts", async ({ page }) => {
  const id = process.env.WFM_REPOSITORY;
  expect(id, "the harness seeds a repository with a week of collections").toBeTruthy();

  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Repositories" }).click();
  await expect(page.getByRole("heading", { name: "Repository health", level: 1 })).toBeVisible();
  const table = page.getByRole("table", { name: "Repositories" });
  const seeded = table.getByRole("row", { name: /demo-org\/demo-repo/ });
  await expect(seeded).toContainText("paused");

  // a name GitHub would not take is refused on the page
  const form = page.locator("#add-repository");
  await form.getByLabel("Repository").fill("not a repository");
  await form.getByRole("button", { name: "Watch" }).click();
  await expect(form.getByRole("alert")).toContainText("OWNER/NAME");
  await form.getByLabel("Repository").fill("octo-org/widgets");
  await form.getByRole("button", { name: "Watch" }).click();
  await expect(table.getByRole("link", { name: "octo-org/widgets" })).toBeVisible();
  const listed = await apiGet<{ repositories: Repository[] }>(page, "/repositories");
  expect(listed.repositories.map((r) => `${r.owner}/${r.name}`)).toContain("octo-org/widgets");
  // the same repository again, in another case: the API's conflict, shown
  await form.getByLabel("Repository").fill("Octo-Org/Widgets");
  await form.getByRole("button", { name: "Watch" }).click();
  await expect(form.getByRole("alert")).toContainText("already watched");

  await table.getByRole("link", { name: "demo-org/demo-repo" }).click();
  await expect(page.getByRole("heading", { name: "demo-org/demo-repo", level: 1 })).toBeVisible();
  await expect(page.getByRole("table", { name: "Collection" })).toContainText("paused");
  // ten charts: every one of the 23 metrics is a line of one
  const charts = page.locator("#health figure.chart");
  await expect(charts).toHaveCount(10);
  const duration = page.getByRole("figure", { name: "Workflow run duration of demo-org/demo-repo" });
  for (const p of ["min", "p50", "p75", "p90", "p95", "max"]) await expect(duration).toContainText(`ci.workflow_duration_minutes.${p}`);

  // the newest values are the API's, with their sources
  const health = await apiGet<Health>(page, `/repositories/${id}/health`);
  expect(health.series.length).toBe(23);
  const open = health.series.find((s) => s.metric === "prs.open")!;
  const newest = open.points[open.points.length - 1];
  const values = page.getByRole("table", { name: "Newest values" });
  const row = values.getByRole("row", { name: /github\.prs\.open / });
  await expect(row).toContainText(String(newest.value));
  await expect(row).toContainText("rest");
  await expect(values.getByRole("row", { name: /github\.ci\.workflow_runs_7d / })).toContainText("webhooks");
  await screenshot(page, "console-repository-health");

  // daily means: the view is in the URL and survives a reload
  await page.getByLabel("Interval").selectOption("day");
  await expect(page).toHaveURL(/interval=day/);
  await page.reload();
  await expect(page.getByLabel("Interval")).toHaveValue("day");
  await expect(charts).toHaveCount(10);
});
