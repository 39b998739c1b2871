// docs/testing-in-ci.md shows two tests in full; each is also a file that runs (the Playwright
// one as a browser test here, the pytest one in scripts/compat.sh). This keeps the page and the
// files identical, so the guide's examples cannot rot.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";

const root = new URL("../../", import.meta.url);

/** The fenced block that follows `<!-- file -->` in the guide. */
function shown(guide, file) {
  const marker = `<!-- ${file} -->\n`;
  const start = guide.indexOf(marker);
  assert.ok(start >= 0, `the guide has no ${marker.trim()}`);
  const fence = guide.indexOf("\n", start + marker.length) + 1;
  const end = guide.indexOf("\n```\n", fence);
  return guide.slice(fence, end + 1);
}

for (const file of ["e2e/guide.test.mjs", "compat/python/test_automation_guide.py"]) {
  test(`the guide shows ${file} exactly`, async () => {
    const guide = await readFile(new URL("docs/testing-in-ci.md", root), "utf8");
    const source = await readFile(new URL(file, root), "utf8");
    assert.equal(shown(guide, file), source);
  });
}
