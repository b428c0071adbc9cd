// With tokens configured the console asks for one, keeps it for the tab, and
// offers writes only to an admin token (a second wfm-api of the harness,
// WFM_CONSOLE_TOKEN_URL, with a read token "reader-token" and an admin token
// "admin-token").
import { expect, test } from "./helpers";

const base = process.env.WFM_CONSOLE_TOKEN_URL;

test("a read token sees everything and may change nothing; an admin token may", async ({ page }) => {
  expect(base, "the harness starts an api with tokens").toBeTruthy();
  await page.goto(`${base}/configs/1?tab=schema`);
  const dialog = page.getByRole("dialog", { name: "API token" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Token").fill("reader-token");
  await dialog.getByRole("button", { name: "Use token" }).click();
  await expect(page.getByText("read token")).toBeVisible();
  await expect(page.getByRole("table", { name: "Schema fields" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Confirm schema" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Regenerate schema" })).toHaveCount(0);

  // kept for the tab: a reload does not ask again
  await page.reload();
  await expect(page.getByRole("table", { name: "Schema fields" })).toBeVisible();
  await expect(dialog).toHaveCount(0);

  // Escape closes the dialog and gives the focus back to its opener
  const opener = page.getByRole("button", { name: "Token" });
  await opener.click();
  await expect(dialog.getByLabel("Token")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(opener).toBeFocused();

  await opener.click();
  await dialog.getByLabel("Token").fill("admin-token");
  await dialog.getByRole("button", { name: "Use token" }).click();
  await expect(page.getByText("admin token")).toBeVisible();
  await expect(page.getByRole("button", { name: "Regenerate schema" })).toBeVisible();
});

test("a wrong token is asked for again", async ({ page }) => {
  await page.goto(`${base}/`);
  const dialog = page.getByRole("dialog", { name: "API token" });
  await dialog.getByLabel("Token").fill("not-a-token");
  const session = page.waitForResponse((r) => r.url().endsWith("/session"));
  await dialog.getByRole("button", { name: "Use token" }).click();
  expect((await (await session).json()).data.role).toBe("none");
  expect(await page.evaluate(() => sessionStorage.getItem("wfm.token"))).toBe("not-a-token");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("Token")).toBeFocused();
});
