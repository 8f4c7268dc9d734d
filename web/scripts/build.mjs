// Builds the dashboard into dist/: our page plus the npm packages it loads, copied as static
// files (no bundler: the page is small and the server only needs a directory to serve).
import { cpSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const modules = join(root, "node_modules");
if (!existsSync(join(modules, "leaflet"))) {
  console.error("error: node_modules missing; run `npm ci` in web/ first");
  process.exit(1);
}
rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "vendor"), { recursive: true });
cpSync(join(root, "src"), dist, { recursive: true });
cpSync(join(modules, "leaflet/dist"), join(dist, "vendor/leaflet"), { recursive: true });
cpSync(join(modules, "topojson-client/dist/topojson-client.min.js"), join(dist, "vendor/topojson-client.min.js"));
// Natural Earth country outlines (public domain, via the world-atlas package) as the base map:
// the dashboard needs no tile server, so it works on an air-gapped monitoring network.
cpSync(join(modules, "world-atlas/countries-50m.json"), join(dist, "vendor/countries-50m.json"));
console.log(`built ${dist}`);
