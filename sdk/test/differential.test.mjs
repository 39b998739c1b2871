// Differential test: every scripted scenario runs against the official 0.9.7 SDK and against
// each build of ours (sources, dist ESM, dist UMD); the transcripts (messages on the wire
// with their target origins, handler calls with their arguments, console output, thrown
// errors, inspected state) must be identical. Ids the SDK generates are normalised first,
// since ours come from a counter by design.

import assert from "node:assert/strict";
import { test } from "node:test";
import { builds } from "./sdks.mjs";
import { run, scenarios } from "./scenarios.mjs";

const loaded = await Promise.all(builds.map(async (b) => ({ ...b, sdk: await b.load() })));
const reference = loaded.find((b) => b.name === "official (esm)");
if (!reference) throw new Error("official build missing");

for (const [title, script] of Object.entries(scenarios)) {
  test(`same behaviour as official: ${title}`, () => {
    const expected = run(reference.sdk, script);
    assert.ok(expected.posts.length + expected.calls.length + expected.logs.length + expected.events.length > 0, "scenario observed nothing");
    for (const build of loaded) {
      if (build === reference) continue;
      assert.deepStrictEqual(run(build.sdk, script), expected, `${build.name} differs from official (esm)`);
    }
  });
}

test("empty referrer resolves to the app's own origin in both", () => {
  for (const build of loaded) {
    const t = run(build.sdk, scenarios["empty referrer: the destination is the app's own origin"], { referrer: "" });
    assert.deepStrictEqual(t.events[0], { note: "destinationHost", value: "https://app.example" }, build.name);
  }
});
