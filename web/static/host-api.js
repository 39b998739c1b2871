// The host's own API (`/host/api/…`), authenticated by the session cookie: JSON in and out,
// and HubSpot's error shape read into a `HostApiError` that keeps the category and the
// per-field `errors[]`, so a page can show each refusal where it belongs.

/**
 * One entry of an error body's `errors[]`.
 * @typedef {{message: string, in?: string, code?: string}} ErrorDetail
 */

export class HostApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   * @param {string | null} category
   * @param {ErrorDetail[]} errors
   */
  constructor(status, message, category, errors) {
    super(message);
    this.status = status;
    this.category = category;
    this.errors = errors;
  }
}

/**
 * Calls the host API; resolves to the JSON body (null for 204), rejects with a HostApiError.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function hostApi(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new HostApiError(0, `callhost could not be reached (${error instanceof Error ? error.message : error})`, null, []);
  }
  const { json, failure } = await readResponse(response);
  if (failure !== null) {
    const errors = json && Array.isArray(json.errors) ? json.errors.filter((/** @type {any} */ e) => e && typeof e.message === "string") : [];
    throw new HostApiError(response.status, failure, json && typeof json.category === "string" ? json.category : null, errors);
  }
  return json;
}

/**
 * A response's JSON body (null when empty or not JSON) and, for a failure, its message: the
 * error body's `message` (HubSpot's shape), else the HTTP status.
 * @param {Response} response
 * @returns {Promise<{json: any, failure: string | null}>}
 */
export async function readResponse(response) {
  const text = await response.text();
  /** @type {any} */
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: the status says what failed.
  }
  if (response.ok) return { json, failure: null };
  return { json, failure: json && typeof json.message === "string" ? json.message : `HTTP ${response.status}` };
}

/** @param {unknown} error */
export function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}
