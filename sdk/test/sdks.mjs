// Loads each build of the SDK under test into the current realm, so they all share the fake
// browser globals: our sources, our built ESM and UMD files, and the official 0.9.7 ESM and
// UMD builds (a pinned devDependency).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const dist = (/** @type {string} */ file) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));
const official = (/** @type {string} */ file) =>
  require.resolve(`@hubspot/calling-extensions-sdk/dist/${file}`);

/** @param {string} path */
async function importFile(path) {
  const code = readFileSync(path, "utf8");
  return import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
}

/**
 * Runs a UMD file as a CommonJS module (module and exports defined).
 * @param {string} path
 */
export function requireUmd(path) {
  const module = { exports: {} };
  // Both UMD builds pass `self` to their wrapper, which Node lacks; a bundler or a browser
  // always has it.
  new Function("module", "exports", "define", "self", readFileSync(path, "utf8"))(
    module,
    module.exports,
    undefined,
    globalThis,
  );
  return /** @type {any} */ (module.exports);
}

/**
 * Runs a UMD file as a plain script tag would: no module system, `self` is the page.
 * @param {string} path
 * @param {any} self
 */
export function runUmdAsScript(path, self) {
  new Function("self", "module", "exports", "define", readFileSync(path, "utf8"))(self, undefined, undefined, undefined);
  return self;
}

export const paths = {
  oursEsm: dist("calling-extensions-sdk.esm.js"),
  oursUmd: dist("calling-extensions-sdk.umd.js"),
  officialEsm: official("main.esm.js"),
  officialUmd: official("main.js"),
};

/** @type {Array<{name: string, official: boolean, load: () => Promise<any>}>} */
export const builds = [
  { name: "ours (src)", official: false, load: () => import("../src/index.js") },
  { name: "ours (dist esm)", official: false, load: () => importFile(paths.oursEsm) },
  { name: "ours (dist umd)", official: false, load: async () => requireUmd(paths.oursUmd) },
  { name: "official (esm)", official: true, load: () => importFile(paths.officialEsm) },
  { name: "official (umd)", official: true, load: async () => requireUmd(paths.officialUmd) },
];
