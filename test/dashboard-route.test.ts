/**
 * How the BUILT server serves the dashboard: the page and its bundled assets need no token, carry a
 * strict Content-Security-Policy, are still behind the Host/Origin guard, and no request names a file
 * outside the build.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, runCli, useSampleStoreCopy } from "./helpers/built-server.js";
import { get, serve, type Served } from "./helpers/http-server.js";

const sample = useSampleStoreCopy();
let server: Served;
let host: string;

beforeAll(async () => {
  const tokens = join(sample.box.root, "tokens.json");
  const made = await runCli(["token", "add", "operator", "--tokens", tokens], sample.env);
  expect(made.code, made.stderr).toBe(0);
  server = await serve(["--store", sample.box.store, "--tokens", tokens, "--no-index"], sample.env);
  host = new URL(server.url).host;
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe("the dashboard's page and assets", () => {
  it("serves the page and every built asset without a token, with a CSP that allows only this origin", async () => {
    const page = await get(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    const names = readdirSync(join(PROJECT_ROOT, "dist", "web", "assets"));
    expect(names.some((n) => n.endsWith(".js"))).toBe(true);
    for (const name of names) {
      expect(page.body).toContain(`/assets/${name}`);
      const asset = await get(`${server.url}/assets/${name}`);
      expect(asset.status, name).toBe(200);
      expect(asset.headers["x-content-type-options"]).toBe("nosniff");
    }
    // bundled: the page loads nothing from another origin
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("still needs the token for /api", async () => {
    expect((await get(`${server.url}/api/sessions`)).status).toBe(401);
  });

  it("answers no other path, however it is spelled", async () => {
    for (const path of ["/assets/../package.json", "/assets/..%2F..%2Fpackage.json", "/assets/%2e%2e%2fserver.js", "/assets/", "/assets/index.html", "/web/index.html", "/index.html"]) {
      const answer = await get(`${server.url}${path}`);
      expect([401, 404], `${path}: ${answer.status} ${answer.body}`).toContain(answer.status);
      expect(answer.body).not.toContain("openclaw-session-events");
      expect(answer.body).not.toContain("registerDashboardRoutes");
    }
  });

  it("keeps the Host and Origin rules: a rebinding name or a foreign page is refused", async () => {
    expect((await get(`${server.url}/`, { headers: { host: "evil.example:80" } })).status).toBe(403);
    expect((await get(`${server.url}/assets/x.js`, { headers: { host: "evil.example" } })).status).toBe(403);
    expect((await get(`${server.url}/`, { headers: { host, origin: "https://evil.example" } })).status).toBe(403);
    expect((await get(`${server.url}/`, { headers: { host, origin: server.url } })).status).toBe(200);
  });
});
