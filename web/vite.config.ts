import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// Built into dist/web by `npm run build`; served by src/http/routes/dashboard.ts at / and /assets/.
export default defineConfig({
  root: new URL(".", import.meta.url).pathname,
  base: "/",
  plugins: [preact()],
  logLevel: "warn",
  // outside web/, so that a build leaves web/ as it was (the tests compare its times with dist/web's)
  cacheDir: new URL("../node_modules/.vite-web", import.meta.url).pathname,
  build: {
    outDir: new URL("../dist/web", import.meta.url).pathname,
    emptyOutDir: true,
    assetsDir: "assets",
    // every asset a file of its own: the server's Content-Security-Policy allows no inline data scripts
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2022",
  },
});
