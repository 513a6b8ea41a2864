// The REST client: bearer token from sessionStorage, 401 anywhere means "log in again".

const SESSION_KEY = "anfang.session";
const BASE = "/api/v1";

export class ApiError extends Error {
  /** `code` and `params`: a refusal the console can say in the operator's language. */
  constructor(status, detail, code = null, params = null) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.params = params;
  }
}

let onUnauthorized = () => {};

export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/** {access_token, expires_at, user} or null. */
export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY));
  } catch {
    return null;
  }
}

export function saveSession(value) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

export function sessionExpired(sess = session()) {
  if (!sess || !sess.access_token) return true;
  if (!sess.expires_at) return false;
  return new Date(sess.expires_at).getTime() <= Date.now();
}

async function errorOf(response) {
  try {
    const body = await response.json();
    const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail ?? body);
    return new ApiError(response.status, detail, body.code ?? null, body.params ?? null);
  } catch {
    return new ApiError(response.status, response.statusText);
  }
}

/** Call the API; throws ApiError for non-2xx (after handling 401). */
export async function api(path, { method = "GET", body, query, auth = true } = {}) {
  let url = BASE + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== null && v !== undefined && v !== "") params.set(k, String(v));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const sess = session();
  if (auth && sess) headers.Authorization = `Bearer ${sess.access_token}`;
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  if (response.status === 401 && auth) {
    onUnauthorized();
    throw await errorOf(response);
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return null;
  return response.json();
}

export async function login(username, password) {
  const data = await api("/auth/token", {
    method: "POST",
    body: { username, password },
    auth: false,
  });
  saveSession({ access_token: data.access_token, expires_at: data.expires_at, user: data.user });
  return data;
}

async function fetchBlob(path) {
  // Paths the API hands out are absolute (/api/v1/…); others are relative to it.
  const response = await fetch(path.startsWith(`${BASE}/`) ? path : BASE + path, {
    headers: { Authorization: `Bearer ${session()?.access_token ?? ""}` },
  });
  if (!response.ok) throw new ApiError(response.status, `HTTP ${response.status}`);
  return response.blob();
}

/** An image the API serves (with the token) as a data: URL, which the page's
 *  Content-Security-Policy allows (images from 'self' and data: only); null when missing. */
export async function imageDataUrl(path) {
  try {
    const blob = await fetchBlob(path);
    return await new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(blob);
    });
  } catch {
    return null;
  }
}

/** A file the API serves (with the token) as a blob: URL (media-src allows blob:). */
export async function blobUrl(path) {
  return URL.createObjectURL(await fetchBlob(path));
}

/** Download a file the API serves (with the token) under ``filename``. */
export async function downloadFile(path, filename) {
  const url = URL.createObjectURL(await fetchBlob(path));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
