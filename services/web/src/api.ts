// The API client: every call goes to /v1/github-workflow-metrics, unwraps the
// envelope ({"meta":{"code"},"data"}) and throws ApiError with the server's
// message, so pages show what went wrong in the API's own words.

export const BASE = "/v1/github-workflow-metrics";
const TOKEN_KEY = "wfm.token";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  window.dispatchEvent(new Event("wfm-token"));
}

/** Query parameters; undefined, null and "" are left out, arrays repeat. */
export type Params = Record<string, string | number | boolean | null | undefined | string[]>;

export function queryString(params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => q.append(key, v));
    else q.set(key, String(value));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

async function request<T>(method: string, path: string, params?: Params, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(BASE + path + queryString(params), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, `wfm-api cannot be reached (${(e as Error).message})`);
  }
  const text = await response.text();
  let json: { data?: T; message?: string } | undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new Event("wfm-unauthorized"));
    throw new ApiError(response.status, json?.message ?? `${method} ${path}: HTTP ${response.status}`);
  }
  return json?.data as T;
}

export const api = {
  get: <T>(path: string, params?: Params) => request<T>("GET", path, params),
  post: <T>(path: string, body?: unknown, params?: Params) => request<T>("POST", path, params, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, undefined, body),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, undefined, body),
  delete: <T>(path: string) => request<T>("DELETE", path),
};

/** What the console's token may do: from GET /session. */
export interface Session {
  /** "open": no tokens configured; "read" or "admin": the token's role; "samples": a token that may only post runner samples; "none": tokens are required and none (or a wrong one) was given. */
  role: "open" | "read" | "admin" | "samples" | "none";
}

export const canWrite = (s: Session | null) => s?.role === "open" || s?.role === "admin";
