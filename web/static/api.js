// The host page's HTTP calls: the signed-in context (session cookie) and the CRM REST API on
// the same origin with the context's access token, as any API client would call it.

import { readResponse } from "./host-api.js";

/** @typedef {import("./host-types.js").HostContext} HostContext */

/** @returns {Promise<HostContext>} */
export async function loadContext() {
  const response = await fetch("/host/api/context", { credentials: "same-origin", headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`the host context is unavailable (HTTP ${response.status})`);
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
  async body(response, path) {
    const { json, failure } = await readResponse(response);
    if (failure !== null) throw new ApiError(response.status, `${path}: ${failure}`);
    return json;
  }
}

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}
