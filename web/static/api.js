// The host page's HTTP calls: the signed-in context (session cookie) and the CRM REST API on
// the same origin with the context's access token, as any API client would call it. A failure
// rejects with the page's one error class, `ApiError` (host-api.js).

import { ApiError, readResponse } from "./host-api.js";

/** @typedef {import("./host-types.js").HostContext} HostContext */

/** @returns {Promise<HostContext>} */
export async function loadContext() {
  const response = await fetch("/host/api/context", { credentials: "same-origin", headers: { accept: "application/json" } });
  if (!response.ok) throw new ApiError(response.status, `the host context is unavailable (HTTP ${response.status})`, null, []);
  return response.json();
}

export class CrmApi {
  /** @param {string} accessToken */
  constructor(accessToken) {
    this.headers = { authorization: `Bearer ${accessToken}`, accept: "application/json" };
  }

  /**
   * @param {string} path
   * @returns {Promise<any>}
   */
  async get(path) {
    const response = await fetch(path, { headers: this.headers });
    return this.body(response, path);
  }

  /**
   * @param {string} path
   * @param {unknown} body
   * @returns {Promise<any>}
   */
  async post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { ...this.headers, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return this.body(response, path);
  }

  /**
   * @param {Response} response
   * @param {string} path
   */
  body(response, path) {
    return readResponse(response, `${path}: `);
  }
}
