import { useEffect, useState } from "preact/hooks";

export const VIEWS = ["sessions", "timeline", "state", "live", "analytics"] as const;
export type View = (typeof VIEWS)[number];

/** Where the page is, all of it in the URL's hash: view, session, filters and position (deep links). */
export type Route = { view: View; key?: string; params: URLSearchParams };

export function parseRoute(hash: string): Route {
  const [path = "", search = ""] = hash.replace(/^#\/?/, "").split("?", 2);
  const [view, ...rest] = path.split("/");
  const key = rest.length > 0 ? decodeURIComponent(rest.join("/")) : undefined;
  return { view: (VIEWS as readonly string[]).includes(view ?? "") ? (view as View) : "sessions", key, params: new URLSearchParams(search) };
}

export function href(view: View, key?: string, params: Record<string, string | number | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== "") search.set(name, String(value));
  const text = search.toString();
  return `#/${view}${key !== undefined ? `/${encodeURIComponent(key)}` : ""}${text ? `?${text}` : ""}`;
}

/** Replaces the hash without a new history entry (filters and position changes). */
export function replaceRoute(target: string): void {
  history.replaceState(null, "", target);
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return route;
}
