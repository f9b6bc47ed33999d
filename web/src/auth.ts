/**
 * The token for this tab: kept in sessionStorage (gone when the tab closes), never in the URL and never
 * in localStorage. A server without tokens (loopback) never asks for one.
 */
const KEY = "session-events-token";

export function currentToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function rememberToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

export function authHeaders(): Record<string, string> {
  const token = currentToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}
