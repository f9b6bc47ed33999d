import type { SessionRow } from "../../src/contract/http.js";
import type { Page } from "../../src/contract/page.js";
import type { SearchResult } from "../../src/contract/search.js";
import type { SessionState } from "../../src/contract/session-state.js";
import { authHeaders } from "./auth.js";

/** An answer other than 200, with the server's own words. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Params = Record<string, string | number | boolean | readonly string[] | undefined>;

export function query(params: Params): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) continue;
    search.set(name, Array.isArray(value) ? value.join(",") : String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

let onUnauthorized: () => void = () => undefined;
/** Called when the server says the token is missing or unknown (the page then asks for one). */
export function whenUnauthorized(callback: () => void): void {
  onUnauthorized = callback;
}

async function getJson<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path + query(params), { headers: { accept: "application/json", ...authHeaders() }, signal });
  if (response.ok) return (await response.json()) as T;
  let code = "error";
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { error?: { code: string; message: string } };
    if (body.error) ({ code, message } = body.error);
  } catch {
    // not JSON: keep the status line
  }
  if (response.status === 401) onUnauthorized();
  throw new ApiError(response.status, code, message);
}

const sessionPath = (key: string) => `/api/sessions/${encodeURIComponent(key)}`;

export const api = {
  sessions: (signal?: AbortSignal, params: Params = {}) => getJson<SessionRow[]>("/api/sessions", params, signal),
  sessionEvents: (key: string, params: Params, signal?: AbortSignal) => getJson<Page>(`${sessionPath(key)}/events`, params, signal),
  events: (params: Params, signal?: AbortSignal) => getJson<Page>("/api/events", params, signal),
  state: (key: string, atSeq: number, signal?: AbortSignal) => getJson<SessionState>(`${sessionPath(key)}/state`, { atSeq, lastMessages: 5 }, signal),
  search: (text: string, signal?: AbortSignal) => getJson<SearchResult>("/api/search", { query: text, limit: 20 }, signal),
};
