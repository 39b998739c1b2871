// A channel-connection webhook receiver for the browser tests, on loopback: it checks every
// request's v3 and v2 signatures with the OFFICIAL Node client's `Signature` helper against
// the client secret the test gives it, refuses (401) a request that fails either, and answers
// what the test sets (`receiver.answer`).
import { createServer } from "node:http";
import { createRequire } from "node:module";

const { Signature } = createRequire(import.meta.url)("@hubspot/api-client");

/**
 * Checks a request the receiver got with `clientSecret`.
 * @returns {{v3: boolean, v2: boolean}}
 */
export function verify(request, clientSecret) {
  const common = { clientSecret, requestBody: request.body, url: request.url, method: request.method };
  return {
    v3: Signature.isValid({
      ...common,
      signatureVersion: "v3",
      signature: request.headers["x-hubspot-signature-v3"],
      timestamp: Number(request.headers["x-hubspot-request-timestamp"]),
    }),
    v2: Signature.isValid({ ...common, signatureVersion: "v2", signature: request.headers["x-hubspot-signature"] }),
  };
}

/**
 * Starts a receiver. `secret` is the client secret it expects (set it before the first
 * request); `answer(request)` returns `{status, body, delayMs}` (default: 200, no numbers).
 */
export async function startWebhookReceiver() {
  const receiver = {
    /** @type {string | null} */
    secret: null,
    /** @type {(request: any) => {status?: number, body?: unknown, delayMs?: number}} */
    answer: () => ({ status: 200, body: { phoneNumbers: [] } }),
    /** Every request: {method, url, headers, body, verified: {v3, v2}}. */
    seen: [],
    url: "",
    close: async () => {},
  };
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", async () => {
      const request = { method: req.method, url: `${receiver.url}${req.url}`, headers: req.headers, body };
      request.verified = receiver.secret ? verify(request, receiver.secret) : { v3: false, v2: false };
      receiver.seen.push(request);
      if (!request.verified.v3 || !request.verified.v2) {
        res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ message: "bad signature" }));
        return;
      }
      const { status = 200, body: answer = { phoneNumbers: [] }, delayMs = 0 } = receiver.answer(request);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": "application/json" }).end(typeof answer === "string" ? answer : JSON.stringify(answer));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${server.address().port}`;
  receiver.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return receiver;
}

/** Opening a host page on loopback signs the development user in: returns its cookie. */
export async function hostCookie(ready) {
  const page = await fetch(`${ready.hostUrl}/contacts/${ready.portalId}/objects/0-1/views/all/list`);
  return page.headers.get("set-cookie").split(";")[0];
}
