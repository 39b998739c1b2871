// A tiny static file server for the browser tests, laid out like `callhost serve`'s demo
// origin: `/sdk/*` is our built SDK (sdk/dist), `/` is the demo app, plus `/official/*`
// (the official 0.9.7 build, a devDependency) and `/fixtures/*` (test pages). Two instances
// on two loopback ports give the tests two real origins. Only files under those roots are
// served; anything else is a 404.

import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const sdkRoot = join(here, "..", "..");

/** @type {Array<[prefix: string, dir: string]>} */
const ROOTS = [
  ["/sdk/", join(sdkRoot, "dist")],
  ["/official/", dirname(require.resolve("@hubspot/calling-extensions-sdk/dist/main.js"))],
  ["/fixtures/", join(here, "fixtures")],
  ["/", join(sdkRoot, "..", "demo")],
];

/** @type {Record<string, string>} */
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
};

/** @param {string} pathname @returns {string | null} */
function resolveFile(pathname) {
  for (const [prefix, dir] of ROOTS) {
    if (!pathname.startsWith(prefix)) continue;
    let rest = decodeURIComponent(pathname.slice(prefix.length)) || "index.html";
    if (rest.endsWith("/")) rest += "index.html";
    const file = normalize(join(dir, rest));
    if (!file.startsWith(dir + sep)) return null;
    try {
      return statSync(file).isFile() ? file : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** Starts one server on 127.0.0.1 and a free port; resolves to its origin and a closer. */
export function startStaticServer() {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const file = resolveFile(url.pathname);
    if (!file || req.method !== "GET") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": "no-store",
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = /** @type {import("node:net").AddressInfo} */ (server.address());
      resolve({
        origin: `http://127.0.0.1:${address.port}`,
        close: () => new Promise((done) => server.close(() => done(undefined))),
      });
    });
  });
}
