// How fast the console is on the demo's data and on 100 series × 1,000
// points (scripts/bench-console seeds them as config WFM_BENCH_CONFIG, group
// "Series", metric "TFLOPS", hourly). Prints a table; asserts nothing about
// speed (the numbers are the result).
import { type Page, test } from "@playwright/test";

const LOADS = 5;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const row = (name: string, xs: number[]) =>
  console.log(`${name.padEnd(58)} p50 ${pct(xs, 50).toFixed(0).padStart(5)} ms   p95 ${pct(xs, 95).toFixed(0).padStart(5)} ms   (n=${xs.length})`);

/** Milliseconds from navigation to `ready` being visible, on a fresh page each time. */
async function firstRender(page: Page, url: string, ready: (p: Page) => ReturnType<Page["locator"]>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    await page.goto("about:blank");
    const start = Date.now();
    await page.goto(url);
    await ready(page).first().waitFor({ state: "visible" });
    times.push(Date.now() - start);
  }
  return times;
}

test("first render of every page (demo data)", async ({ page }) => {
  console.log(`\n== first render, navigation to the page's data on screen, ${LOADS} loads each`);
  row("overview (configs, runs of the day, sparklines)", await firstRender(page, "/", (p) => p.locator("svg.sparkline")));
  row("config → settings", await firstRender(page, "/configs/1", (p) => p.getByRole("button", { name: "Edit settings" })));
  row("config → schema", await firstRender(page, "/configs/1?tab=schema", (p) => p.getByRole("table", { name: "Schema fields" })));
  row("config → runs", await firstRender(page, "/configs/1?tab=runs", (p) => p.getByRole("table", { name: "Runs" }).getByRole("row").nth(1)));
  row("explorer (TFLOPS by Rank, 30 d, chart + summary)", await firstRender(page, "/explore?config=1&metric=TFLOPS&group=Rank", (p) => p.getByRole("table", { name: "Summary" }).getByRole("row").nth(1)));
  row("runs", await firstRender(page, "/runs", (p) => p.getByRole("table", { name: "Runs" }).getByRole("row").nth(1)));
  row("CI health (7 d, charts per day)", await firstRender(page, "/ci", (p) => p.getByRole("figure", { name: /Success rate/ })));
  row("runner sets", await firstRender(page, "/runner-sets", (p) => p.getByRole("heading", { name: "Runner sets", level: 1 })));
});

test("100 series × 1,000 points: render, hover, zoom", async ({ page }) => {
  const config = process.env.WFM_BENCH_CONFIG;
  const from = process.env.WFM_BENCH_FROM;
  const to = process.env.WFM_BENCH_TO;
  const url = `/explore?config=${config}&metric=TFLOPS&group=Series&interval=1h&range=custom&from=${from}&to=${to}`;
  console.log("\n== explorer, 100 series × 1,000 hourly points");
  const chart = (p: Page) => p.locator('.chart-host[data-series="100"][data-points="1000"]');
  row("first render: navigation to the chart drawn", await firstRender(page, url, chart));

  // hover: mousemove events across the plot, each handled (cursor, tooltip)
  // synchronously; then a frame. Timed inside the page.
  const hover = await page.evaluate(async () => {
    const over = document.querySelector(".chart-host .u-over") as HTMLElement;
    const box = over.getBoundingClientRect();
    const handler: number[] = [];
    const frame: number[] = [];
    for (let i = 0; i < 200; i++) {
      const x = box.left + ((i * 37) % box.width);
      const y = box.top + ((i * 53) % box.height);
      const t0 = performance.now();
      over.dispatchEvent(new MouseEvent("mousemove", { clientX: x, clientY: y, bubbles: true }));
      handler.push(performance.now() - t0);
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      frame.push(performance.now() - t0);
    }
    return { handler, frame };
  });
  row("hover: one mousemove handled (cursor, nearest series, tooltip)", hover.handler);
  row("hover: mousemove to the next frame", hover.frame);

  // zoom: a drag across a tenth of the plot, then double-click back out
  const zoom = await page.evaluate(async () => {
    const over = document.querySelector(".chart-host .u-over") as HTMLElement;
    const box = over.getBoundingClientRect();
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const x0 = box.left + box.width * (0.1 + 0.05 * i);
      const x1 = x0 + box.width * 0.1;
      const y = box.top + box.height / 2;
      const t0 = performance.now();
      over.dispatchEvent(new MouseEvent("mousedown", { clientX: x0, clientY: y, bubbles: true, button: 0 }));
      over.dispatchEvent(new MouseEvent("mousemove", { clientX: x1, clientY: y, bubbles: true }));
      document.dispatchEvent(new MouseEvent("mouseup", { clientX: x1, clientY: y, bubbles: true, button: 0 }));
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      times.push(performance.now() - t0);
      over.dispatchEvent(new MouseEvent("dblclick", { clientX: x1, clientY: y, bubbles: true }));
      await new Promise((r) => requestAnimationFrame(() => r(null)));
    }
    return times;
  });
  row("zoom: drag across a tenth, redrawn", zoom);
});
