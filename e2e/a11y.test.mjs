// Accessibility (WCAG 2.2 AA), in Chromium: axe-core checks every page of the host (lists,
// records, the help desk, the apps page, the inspector, the calling window, the not-found
// page), with the calling widget and the inspector panel open where they can be, and finds
// no serious or critical violation. The calling apps' own documents are theirs, not checked.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import { appFrame, events, openHost, recordUrl, useCallhost } from "./fixtures.js";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const env = useCallhost();

/**
 * The serious and critical violations axe finds on the page as it is now.
 * @param {import("playwright-core").Page} page
 */
async function violations(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    // @ts-ignore axe is the script just added
    const outcome = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
      iframes: false,
    });
    return outcome.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/**
 * Opens `path` at 1440×900 and checks it, then (with `narrow`) at 375 px wide; `prepare` may
 * open the widget first.
 */
async function check(path, { width = 1440, height = 900, prepare, narrow = false } = {}) {
  // Bypassing the CSP only lets axe's script in; the pages are checked as they are served.
  const page = await env.browser.newPage({ viewport: { width, height }, bypassCSP: true });
  await page.goto(env.ready.hostUrl + path);
  // Rendered: the host page says so, the inspector once live; a static page at once.
  await page.waitForFunction(() => document.body.dataset.ready === "true"
    || document.querySelector("[data-testid=inspector-live][data-state=live]")
    || !document.querySelector("script[type=module]"), null, { timeout: 15_000 });
  if (prepare) await prepare(page);
  const found = (await violations(page)).map((v) => ({ page: `${path} at ${width} px`, ...v }));
  if (narrow) {
    await page.setViewportSize({ width: 375, height: 800 });
    found.push(...(await violations(page)).map((v) => ({ page: `${path} at 375 px`, ...v })));
  }
  await page.close();
  return found;
}

test("every host page has no serious or critical WCAG 2.2 AA violation (axe-core), wide and narrow", async () => {
  const { ready, rest } = env;
  const P = ready.portalId;
  const ada = await rest.contactNamed("Ada");
  const company = (await rest.get("/crm/v3/objects/companies?limit=1")).results[0];
  const paths = [
    `/contacts/${P}/objects/0-1/views/all/list`,
    `/contacts/${P}/objects/0-2/views/all/list`,
    recordUrl(ready, "0-1", ada.id).replace(ready.hostUrl, ""),
    `/contacts/${P}/record/0-2/${company.id}`,
    `/contacts/${P}`,
    `/help-desk/${P}`,
    `/settings/${P}/apps`,
    `/calling-inspector/${P}`,
    `/calling-integration-popup-ui/${P}`,
    `/contacts/${P}/record/0-1/999999999`,
    `/contacts/${P + 1}/objects/0-1/views/all/list`,
    "/no/such/page",
  ];
  const found = [];
  for (const path of paths) {
    found.push(...await check(path, { narrow: true }));
  }
  assert.deepEqual(found, [], JSON.stringify(found, null, 2));
});

test("a record page with the widget, a live call and the inspector panel open has no serious or critical violation", async () => {
  const { ready, rest } = env;
  const ada = await rest.contactNamed("Ada");
  const found = await check(recordUrl(ready, "0-1", ada.id).replace(ready.hostUrl, ""), {
    prepare: async (page) => {
      await page.locator("[data-testid=call-button]").first().click();
      await page.locator("[data-testid=provider-option]").first().click();
      const frame = await appFrame(page, ready.demoAppUrl);
      await events(frame, "onDialNumber").catch(() => {});
      await page.getByTestId("widget-inspect").click();
      await page.getByTestId("inspector-panel").locator("[data-testid=inspector-entry]").first().waitFor({ timeout: 10_000 });
    },
  });
  assert.deepEqual(found, [], JSON.stringify(found, null, 2));
});
