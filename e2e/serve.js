// Starts the real `callhost serve` for a test and reads its ready line.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const defaultBin = fileURLToPath(new URL("../target/debug/callhost", import.meta.url));

/** The binary the tests run. */
export const callhostBin = () => process.env.CALLHOST_BIN || defaultBin;

/**
 * Starts `callhost serve` on free loopback ports: `--ephemeral` unless `storage` says where
 * the data lives (`["--data-dir", dir]`), with `flags` after. An array is taken as `flags`
 * (`startCallhost(["--fixture", file])`). `bin` runs another build than `CALLHOST_BIN`'s.
 * @param {string[] | {storage?: string[], flags?: string[], bin?: string}} [options]
 * @returns {Promise<{ready: Record<string, any>, stop: () => Promise<number | null>, extraStdout: () => string[], log: () => string}>}
 */
export async function startCallhost(options = {}) {
  const { storage = ["--ephemeral"], flags = [], bin = callhostBin() } = Array.isArray(options) ? { flags: options } : options;
  const child = spawn(bin, ["serve", ...storage, "--listen", "127.0.0.1:0", "--demo-listen", "127.0.0.1:0", ...flags], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (chunk) => (log += chunk));
  const lines = createInterface({ input: child.stdout });
  const extra = [];
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within 30 s; log:\n${log}`)), 30_000);
    child.once("exit", (code) => reject(new Error(`callhost exited with ${code}; log:\n${log}`)));
    lines.once("line", (line) => {
      clearTimeout(timer);
      if (!line.startsWith("callhost ready ")) reject(new Error(`unexpected first line: ${line}`));
      else resolve(JSON.parse(line.slice("callhost ready ".length)));
      lines.on("line", (more) => extra.push(more));
    });
  });
  const stop = () =>
    new Promise((resolve) => {
      child.once("exit", (code) => resolve(code));
      child.kill("SIGTERM");
    });
  return { ready, stop, extraStdout: () => extra, log: () => log };
}
