// The host's own API (`/host/api/…`), authenticated by the session cookie: JSON in and out.
// It also owns reading any API response (`readResponse`) and the page's one error class,
// `ApiError`: HubSpot's error shape read into the status, the category and the per-field
// `errors[]`, so a page can show each refusal where it belongs. The CRM client (`api.js`)
// rejects with the same class.

/**
 * One entry of an error body's `errors[]`.
 * @typedef {{message: string, in?: string, code?: string}} ErrorDetail
 */

export class ApiError extends Error {
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
 * Calls the host API; resolves to the JSON body (null for 204), rejects with an ApiError.
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
    throw new ApiError(0, `callhost could not be reached (${error instanceof Error ? error.message : error})`, null, []);
  }
  return readResponse(response);
}

/**
 * A response's JSON body (null when empty or not JSON); a failure rejects with an ApiError
 * whose message is the error body's `message` (HubSpot's shape), else the HTTP status.
 * @param {Response} response
 * @param {string} [prefix]  put before the message (the CRM client names the path)
 * @returns {Promise<any>}
 */
export async function readResponse(response, prefix = "") {
  const text = await response.text();
  /** @type {any} */
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: the status says what failed.
  }
  if (response.ok) return json;
  const failure = json && typeof json.message === "string" ? json.message : `HTTP ${response.status}`;
  const errors = json && Array.isArray(json.errors) ? json.errors.filter((/** @type {any} */ e) => e && typeof e.message === "string") : [];
  throw new ApiError(response.status, prefix + failure, json && typeof json.category === "string" ? json.category : null, errors);
}

/** @param {unknown} error */
export function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}
