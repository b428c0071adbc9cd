// Runner observability in the console: organizations → repository → run →
// job, as a user clicks through them, on the demo's jobs. The harness
// (tests/tests/console.rs) makes one of them fail (WFM_ACTIONS_JOB): it gives
// it steps (one failed), stores its log (more than one chunk of the viewer,
// with an ##[error] line in the failed step and one line only a search
// finds) and 20 resource samples of its runner.
import { apiGet, expect, screenshot, test } from "./helpers";

interface Job {
  github_job_id: number;
  github_run_id: number;
  repository: string;
  job_name: string;
  steps: { number: number; name: string; conclusion: string | null }[];
}

/** Lines the harness writes into the seeded log. */
const CHECKOUT_LINE = "Syncing repository: wfm-demo/gpu-benchmarks";
const SEARCHED_LINE = "checksum mismatch on rank 3";
const ERROR_LINE = "Process completed with exit code 2.";

function seededJob(): string {
  const id = process.env.WFM_ACTIONS_JOB;
  expect(id, "the harness seeds a job with steps, a log and samples (WFM_ACTIONS_JOB)").toBeTruthy();
  return id!;
}

test("actions: from the organizations to a job's steps, log, resources and analysis", async ({ page }) => {
  const id = seededJob();
  const job = await apiGet<Job>(page, `/actions/jobs/${id}`);
  const [owner] = job.repository.split("/");
  const failed = job.steps.find((s) => s.conclusion === "failure")!;
  const checkout = job.steps.find((s) => s.name.includes("checkout"))!;
  expect(failed && checkout, "the seeded steps").toBeTruthy();

  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Actions" }).click();
  await expect(page.getByRole("heading", { name: "Actions", level: 1 })).toBeVisible();
  const { organizations } = await apiGet<{ organizations: { owner: string; runs: number; failed_runs: number }[] }>(page, "/actions/organizations");
  const org = organizations.find((o) => o.owner === owner)!;
  expect(org.failed_runs, "the seeded job's run failed").toBeGreaterThan(0);
  const orgs = page.getByRole("table", { name: "Organizations" });
  await expect(orgs.getByRole("row", { name: new RegExp(owner) })).toContainText(String(org.runs));
  await expect(page.locator("#installations")).toBeVisible();
  await orgs.getByRole("link", { name: owner, exact: true }).click();

  await expect(page.getByRole("heading", { name: owner, level: 1 })).toBeVisible();
  await page.getByRole("table", { name: "Repositories" }).getByRole("link", { name: job.repository }).click();

  // the repository's runs, filtered to the failed one through the URL
  await expect(page.getByRole("heading", { name: job.repository, level: 1 })).toBeVisible();
  const runs = page.getByRole("table", { name: "Workflow runs" });
  await expect(runs.locator("tbody tr").first()).toBeVisible();
  await page.getByLabel("Conclusion").selectOption("failure");
  await expect(page).toHaveURL(/conclusion=failure/);
  await expect(runs.locator("tbody tr")).toHaveCount(1);
  const run = runs.locator(`tr[data-run="${job.github_run_id}"]`);
  await expect(run).toContainText("failure");
  await page.reload();
  await expect(page.getByLabel("Conclusion")).toHaveValue("failure");
  await run.getByRole("link", { name: String(job.github_run_id) }).click();

  // the run's jobs, the failed step named
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Run ${job.github_run_id}`);
  const row = page.getByRole("table", { name: "Jobs" }).locator(`tr[data-job="${id}"]`);
  await expect(row).toContainText(failed.name);
  // its log is stored (the seed's): said in the row, linked
  await expect(row.getByRole("link", { name: "stored" })).toBeVisible();
  await row.getByRole("link", { name: job.job_name, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/actions/jobs/${id}$`));

  // steps, the failed one marked
  const steps = page.getByRole("table", { name: "Steps" });
  await expect(steps.locator("tbody tr")).toHaveCount(job.steps.length);
  await expect(steps.locator("tr.step-failed")).toHaveCount(1);
  await expect(steps.locator("tr.step-failed")).toContainText(failed.name);
  await expect(steps.locator(".step-bar")).toHaveCount(job.steps.length);

  // the log: a first chunk, groups bold, then the rest on demand with its ##[error] line
  const log = page.getByRole("region", { name: `Log of ${job.job_name}` });
  await expect(log).toContainText(CHECKOUT_LINE);
  await expect(log.locator(".log-group").first()).toBeVisible();
  await expect(log).not.toContainText(ERROR_LINE);
  const more = page.getByRole("button", { name: /^Load more/ });
  for (let i = 0; i < 10 && (await more.count()) > 0; i++) await more.click();
  await expect(log.locator(".log-error")).toContainText(ERROR_LINE);
  await expect(more).toHaveCount(0);

  // timestamps: shown dimmed, hidden through the URL
  await expect(log.locator(".log-ts").first()).toBeVisible();
  await page.getByLabel("Timestamps").uncheck();
  await expect(page).toHaveURL(/times=off/);
  await expect(log.locator(".log-ts").first()).toBeHidden();
  await page.getByLabel("Timestamps").check();

  // a search over the whole log: its match jumps to the failed step and the line
  await page.getByLabel("Search the log").fill("checksum mismatch");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(/q=checksum/);
  const results = page.getByRole("region", { name: "Search results" });
  await expect(results).toContainText("1 line of the whole log match");
  await expect(results).toContainText(`Step ${failed.number}: ${failed.name}`);
  await results.getByRole("button", { name: new RegExp(SEARCHED_LINE) }).click();
  await expect(page).toHaveURL(new RegExp(`step=${failed.number}`));
  await expect(log.locator(".log-hit")).toContainText(SEARCHED_LINE);
  await expect(log.locator(".log-hit")).toBeInViewport();
  // only that step's part of the log
  await expect(log).not.toContainText(CHECKOUT_LINE);
  await expect(steps.locator(`tr[data-step="${failed.number}"]`)).toHaveAttribute("aria-current", "step");

  // another step through the selector
  await page.getByRole("combobox", { name: "Step", exact: true }).selectOption(String(checkout.number));
  await expect(page).toHaveURL(new RegExp(`step=${checkout.number}`));
  await expect(log).toContainText(CHECKOUT_LINE);
  await expect(log).not.toContainText(SEARCHED_LINE);

  // the runner's samples: CPU and memory charts with the API's mean and peaks
  const resources = await apiGet<{ samples: unknown[] }>(page, `/actions/jobs/${id}/resources`);
  expect(resources.samples).toHaveLength(20);
  await expect(page.getByRole("figure", { name: `CPU of ${job.job_name}` }).locator(".chart-host")).toHaveAttribute("data-points", "20");
  await expect(page.getByRole("figure", { name: `Memory of ${job.job_name}` }).locator(".chart-host")).toHaveAttribute("data-series", "2");
  await expect(page.getByRole("group", { name: "Resource summary" })).toContainText("CPU peak");

  // an analysis, made without an LLM, on top of the list
  const analyses = page.locator("#analyses");
  await analyses.getByRole("button", { name: "Analyze" }).click();
  const newest = analyses.getByRole("article").first();
  await expect(newest).toContainText("deterministic");
  await expect(newest).toContainText(`Step ${failed.number} “${failed.name}” failed`);
  const stored = await apiGet<{ analyses: { id: number; kind: string }[] }>(page, `/actions/jobs/${id}/analyses`);
  expect(stored.analyses[0].kind).toBe("deterministic");
  await expect(newest).toHaveAttribute("aria-label", `Analysis ${stored.analyses[0].id}`);

  // the failed step's error, from the steps table
  await steps.getByRole("button", { name: `Error of step ${failed.number}` }).click();
  await expect(page).toHaveURL(new RegExp(`step=${failed.number}`));
  await expect(log.locator(".log-hit.log-error")).toContainText(ERROR_LINE);
  await expect(log.locator(".log-hit")).toBeInViewport();
  await screenshot(page, "console-job");
});

test("actions: a read token sees a job and may not analyze it", async ({ page }) => {
  const id = seededJob();
  const base = process.env.WFM_CONSOLE_TOKEN_URL;
  expect(base, "the harness starts an api with tokens").toBeTruthy();
  await page.goto(`${base}/actions/jobs/${id}`);
  const dialog = page.getByRole("dialog", { name: "API token" });
  await dialog.getByLabel("Token").fill("reader-token");
  await dialog.getByRole("button", { name: "Use token" }).click();
  await expect(page.getByRole("table", { name: "Steps" })).toBeVisible();
  await expect(page.locator("#analyses").getByText("An admin token may analyze this job.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Analyze" })).toHaveCount(0);
});
