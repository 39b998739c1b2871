// Builds `dist/` from `src/`: a minified ES module, a minified UMD bundle that sets the
// official globals (`window.default`, `window.Constants`, `window.IFrameManager`) when loaded
// by a script tag, copies of both under the official file names, and `.d.ts` types generated
// from the JSDoc. The output is committed (the Rust server embeds it), so it must be
// deterministic: pinned tool versions, no timestamps, no source maps.
//
// Usage: `node scripts/build.mjs [outDir]` (default `dist`). `test/build.test.mjs` builds into
// a temporary directory and compares with the committed files.

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);

export const ESM_FILE = "calling-extensions-sdk.esm.js";
export const UMD_FILE = "calling-extensions-sdk.umd.js";

// The wrapper of the official webpack UMD build, written out: CommonJS gets module.exports;
// AMD gets define() (and no globals, as with the official build); a plain script tag gets
// every export copied onto `self` (onto `exports` if only that exists). `__esModule` is not
// enumerable, so Object.assign does not copy it.
const UMD_HEAD =
  '(function(r,f){typeof exports=="object"&&typeof module=="object"?module.exports=f():' +
  'typeof define=="function"&&define.amd?define([],f):' +
  'Object.assign(typeof exports=="object"?exports:r,f())})' +
  "(self,function(){";

/**
 * Turns the minified ES module into the UMD factory's body: the trailing `export{a as B,...}`
 * becomes the returned exports object, flagged `__esModule` (not enumerable) as the official
 * CommonJS build is, so bundlers' default-import interop works.
 * @param {string} esm
 */
function umdFromEsm(esm) {
  const match = /export\{([^}]*)\};?\s*$/.exec(esm);
  if (!match) throw new Error("unexpected ESM output: no trailing export list");
  const fields = match[1].split(",").map((item) => {
    const [local, exported = local] = item.split(" as ");
    return `${exported}:${local}`;
  });
  const body = esm.slice(0, match.index);
  return `${UMD_HEAD}"use strict";${body}return Object.defineProperty({${fields.join(",")}},"__esModule",{value:!0})})\n`;
}

/** @type {import("esbuild").BuildOptions} */
const common = {
  absWorkingDir: root,
  entryPoints: ["src/index.js"],
  bundle: true,
  minify: true,
  target: "es2019",
  legalComments: "none",
  charset: "utf8",
  write: false,
  logLevel: "warning",
};

/** @param {string} outDir */
export async function build(outDir = join(root, "dist")) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const esm = await esbuild.build({ ...common, format: "esm" });
  writeFileSync(join(outDir, ESM_FILE), esm.outputFiles[0].text);

  writeFileSync(join(outDir, UMD_FILE), umdFromEsm(esm.outputFiles[0].text));

  copyFileSync(join(outDir, ESM_FILE), join(outDir, "main.esm.js"));
  copyFileSync(join(outDir, UMD_FILE), join(outDir, "main.js"));

  const tsc = require.resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", join(outDir, "types")], {
    cwd: root,
    stdio: "inherit",
  });
  // tsc also emits src/package.json's neighbours only; nothing else to clean.
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await build(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`built ${out}`);
}
