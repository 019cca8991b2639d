// The one place that talks to the API.
//
// The key lives in sessionStorage (this tab only, gone when it closes) — never localStorage, never
// a cookie — and is only ever put on requests to our own API paths, same-origin. Redirects are
// refused, because fetch would carry the X-API-Key header along to wherever they point.

const KEY_STORAGE = "labels-dashboard.api-key";
const API_PREFIX = "/products/api/v1/";
export const KEY_PATTERN = /^csb_[A-Za-z0-9]{32}_[0-9a-f]{8}$/;

export function getKey() {
  return sessionStorage.getItem(KEY_STORAGE) ?? "";
}

export function setKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_STORAGE);
}

/** An answer outside 2xx/304, with the error envelope's parts (docs/contract.md#errors) when there is one. */
export class ApiError extends Error {
  constructor(status, message, { code = "", details = null, retryAfter = null } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = Array.isArray(details) ? details : [];
    this.retryAfter = retryAfter;
  }
}

/** fetch() for an API path with the key; resolves with the Response whatever its status. */
export async function apiFetch(path, { method = "GET", json, headers = {}, signal } = {}) {
  if (!path.startsWith(API_PREFIX)) {
    throw new Error(`refusing to send the API key outside the API: ${path}`);
  }
  const key = getKey();
  if (!key) {
    throw new ApiError(0, "Enter an API key first.", { code: "NO_KEY" });
  }
  const init = {
    method,
    headers: { "X-API-Key": key, ...headers },
    cache: "no-store", // our own If-None-Match decides what is fresh, not the HTTP cache
    credentials: "omit",
    redirect: "error",
    referrerPolicy: "no-referrer",
    signal,
  };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  }
  return fetch(path, init);
}

/** The ApiError an unsuccessful response stands for. */
export async function errorFrom(response) {
  let envelope = null;
  if ((response.headers.get("Content-Type") ?? "").startsWith("application/json")) {
    envelope = (await response.json().catch(() => null))?.error ?? null;
  }
  const message = envelope?.message ?? `HTTP ${response.status}`;
  return new ApiError(response.status, message, {
    code: envelope?.code ?? "",
    details: envelope?.details,
    retryAfter: retryAfterSeconds(response),
  });
}

/** Retry-After in seconds (delta-seconds or an HTTP date), or null when absent or unreadable. */
export function retryAfterSeconds(response) {
  const value = response.headers.get("Retry-After");
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Number(value);
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, (when - Date.now()) / 1000);
}

export const paths = {
  exports: `${API_PREFIX}labels/export/`,
  job: (jobId) => `${API_PREFIX}labels/export/${encodeURIComponent(jobId)}/`,
  cancel: (jobId) => `${API_PREFIX}labels/export/${encodeURIComponent(jobId)}/cancel/`,
  preview: `${API_PREFIX}labels/preview/`,
  products: `${API_PREFIX}products/?page_size=100`,
};
