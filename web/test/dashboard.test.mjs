// The dashboard in a real browser against the real server: `truce serve` on a fresh SQLite
// file with the shipped scenario, reports posted through the API, Debian's Chromium driven by
// playwright-core. Skips (with the reason) when the binary, Chromium or the corpus is absent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const truce = process.env.TRUCE_BIN ?? join(repo, "build/src/cli/truce");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const sharedData = process.env.TRUCE_SHARED_DATA ?? resolve(repo, "../shared/data");
const archive = join(sharedData, "incidents/syrian_archive_chemical_weapons_2013_2014.csv");
const missing = [truce, chromiumPath, join(repo, "web/dist/index.html")].filter((p) => !existsSync(p));

let server, port, token, dir, browser;

before(async () => {
  if (missing.length) return;
  dir = mkdtempSync(join(tmpdir(), "truce-web-"));
  const db = join(dir, "truce.db");
  server = spawn(truce, ["serve", "--db", db, "--scenario", join(repo, "scenarios/astana-2017"),
                         "--listen", "127.0.0.1:0", "--web", join(repo, "web/dist")], { stdio: ["ignore", "pipe", "inherit"] });
  port = await new Promise((ok, fail) => {
    let out = "";
    server.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) ok(Number(m[1]));
    });
    server.on("exit", (code) => fail(new Error(`truce serve exited ${code}: ${out}`)));
  });
  token = execFileSync(truce, ["token", "create", "--db", db, "--role", "monitor"]).toString().trim().split("\n").pop();
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--no-first-run", "--disable-quic"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Real incidents (Syrian Archive, 2013) moved to August 2017, when the zones were in force.
async function postArchiveReports() {
  const lines = readFileSync(archive, "utf8").split("\n").slice(1).filter((l) => /^CW_\d+,[^,]+,[^,]*,3\d\.\d+/.test(l));
  const reports = lines.map((l) => {
    const f = l.split(",");
    const [m, d] = f[6].split(" ")[0].split("/");
    return { event_id_cnty: f[0], event_date: `2017-${m}-${d}`, time_precision: 1, event_type: "Explosions/Remote violence",
             sub_event_type: "Chemical weapon", latitude: Number(f[4]), longitude: Number(f[3]), geo_precision: 2 };
  });
  const r = await fetch(`http://127.0.0.1:${port}/api/v1/reports`, {
    method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: JSON.stringify(reports),
  });
  assert.equal(r.status, 201, await r.text());
  return reports.length;
}

test("the dashboard shows the zones in force, violations, the summary and the signed log head", async (t) => {
  if (missing.length) return t.skip(`not available: ${missing.join(", ")}`);
  if (!existsSync(archive)) return t.skip(`real-data corpus not found: ${archive}`);
  const posted = await postArchiveReports();
  assert.ok(posted > 100, `only ${posted} archive rows parsed`);

  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.addInitScript((t) => sessionStorage.setItem("truce-token", t), token);
  await page.goto(`http://127.0.0.1:${port}/?date=2017-08-21`);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 20000 });
  assert.equal(await page.evaluate(() => document.body.dataset.ready), "2017-08-21");

  // Four memorandum zones on 21 August 2017; the Sochi DMZ does not exist yet.
  const zones = await page.$$eval("#zones li", (items) => items.map((li) => li.dataset.zone).sort());
  assert.deepEqual(zones, ["eastern-ghouta", "idlib", "northern-homs", "south"]);
  const status = await page.textContent("#status");
  assert.match(status, /2017-08-21: \d+ violations in the 7 days to date/);
  assert.ok(Number(status.match(/(\d+) violations/)[1]) > 50, status);
  assert.match(await page.textContent("#summary"), /eastern-ghouta/);
  assert.match(await page.textContent("#log"), /entries, signed/);
  await page.screenshot({ path: join(repo, "build/dashboard-2017-08-21.png") }).catch(() => {});

  // Moving the date to after the Sochi memorandum changes the zones shown.
  await page.fill("#date", "2018-11-01");
  await page.dispatchEvent("#date", "change");
  await page.waitForFunction(() => document.body.dataset.ready === "2018-11-01", null, { timeout: 20000 });
  const later = await page.$$eval("#zones li", (items) => items.map((li) => li.dataset.zone).sort());
  assert.deepEqual(later, ["idlib", "idlib-dmz"]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("without a token the dashboard shows the public view and says what it cannot show", async (t) => {
  if (missing.length) return t.skip(`not available: ${missing.join(", ")}`);
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/?date=2017-08-21`);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 20000 });
  assert.equal(await page.evaluate(() => document.body.dataset.ready), "2017-08-21");
  assert.equal((await page.$$("#zones li")).length, 4);
  assert.match(await page.textContent("#status"), /individual violations need a monitor, guarantor or party token/);
  assert.match(await page.textContent("#scenario-name"), /Astana/);
  await page.close();
});
