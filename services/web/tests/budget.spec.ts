// The bundle budget: everything the browser loads, gzipped, at most 300 KB.
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";

test("the gzipped bundle is within 300 KB", () => {
  const dist = fileURLToPath(new URL("../dist", import.meta.url));
  const files = [path.join(dist, "index.html"), ...fs.readdirSync(path.join(dist, "assets")).map((f) => path.join(dist, "assets", f))];
  const gzipped = files.reduce((sum, f) => sum + zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length, 0);
  console.log(`bundle: ${files.length} files, ${(gzipped / 1024).toFixed(1)} KB gzipped`);
  expect(gzipped).toBeLessThanOrEqual(300 * 1024);
});
