// The dashboard in a real browser against the real server: `truce serve --seed` on a fresh
// SQLite file with the shipped scenario and its real incidents (scenarios/astana-2017),
// Debian's Chromium driven by playwright-core. Also the daily report and the exports from the
// CLI against the same database. Skips (saying why) when the binary, Chromium or web/dist is
// absent. Screenshots go to build/ as artifacts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const truce = process.env.TRUCE_BIN ?? join(repo, "build/src/cli/truce");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const scenario = join(repo, "scenarios/astana-2017");
const shots = join(repo, "build");
const sharedData = process.env.TRUCE_SHARED_DATA || join(repo, "../shared/data");
const swissSample = join(sharedData, "flights/traffic_collections_switzerland.json.gz");
const missing = [truce, chromiumPath, join(repo, "web/dist/index.html")].filter((p) => !existsSync(p));
const skipWhy = missing.length ? `not available: ${missing.join(", ")} (build truce, apt-get install chromium, cd web && npm ci && npm run build)` : "";

let server, port, token, dir, db, browser;

before(async () => {
  if (missing.length) return;
  mkdirSync(shots, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), "truce-web-"));
  db = join(dir, "truce.db");
  server = spawn(truce, ["serve", "--db", db, "--scenario", scenario, "--seed", scenario,
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

const base = () => `http://127.0.0.1:${port}`;

// A page that records console errors and failed requests, and the API calls it makes.
async function openPage(path = "/", { pageSize, signedIn } = {}) {
  const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  // Signed in before the page loads, as a returning tab is.
  if (signedIn) await page.addInitScript((t) => sessionStorage.setItem("truce-token", t), signedIn);
  const errors = [];
  const calls = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  page.on("request", (r) => calls.push(r.url()));
  if (pageSize) await page.addInitScript((n) => { window.TRUCE_PAGE_SIZE = n; }, pageSize);
  await page.goto(`${base()}${path}`);
  await ready(page);
  return { page, errors, calls };
}

async function ready(page) {
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30000 });
  const state = await page.evaluate(() => document.body.dataset.ready);
  assert.notEqual(state, "error", await page.textContent("#status"));
  return state;
}

const rows = (page) => page.$$eval("#list tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));
const zonesDrawn = (page) => page.$$eval("#zones li", (items) => items.map((li) => li.dataset.zone).sort());

async function publicCount() {
  let n = 0, cursor = null;
  do {
    const r = await (await fetch(`${base()}/api/v1/incidents?limit=1000${cursor ? `&cursor=${cursor}` : ""}`)).json();
    n += r.items.length;
    cursor = r.next;
  } while (cursor);
  return n;
}

test("the first screen lists the shipped incidents, paged through the API's cursors to the end", async (t) => {
  if (missing.length) return t.skip(skipWhy);
  const expected = await publicCount();
  assert.ok(expected >= 100, `only ${expected} published incidents`);
  const { page, errors, calls } = await openPage("/", { pageSize: 40 });
  const listed = await rows(page);
  assert.equal(listed.length, expected);
  // 40 a page: the dashboard followed `next` to the last page.
  const pages = calls.filter((u) => u.includes("/api/v1/incidents?")).length;
  assert.ok(pages >= Math.ceil(expected / 40), `${pages} list requests for ${expected} incidents`);
  assert.match(await page.textContent("#list-count"), new RegExp(`\\(${expected}\\)`));
  // The time control spans the record from its data, not from today.
  const span = await page.textContent("#span");
  assert.match(span, /^2017-\d\d-\d\d – 20(19|20|21)-\d\d-\d\d$/);
  assert.ok(!span.includes(String(new Date().getUTCFullYear())), span);
  assert.match(await page.textContent("#scenario-name"), /Astana/);
  assert.match(await page.textContent("#role"), /public/);
  // Sorted by date, newest first, by default; a click on the header reverses it.
  const dates = listed.map((r) => r[0]);
  assert.deepEqual(dates, [...dates].sort().reverse());
  await page.click('#list th[data-sort="date"]');
  const ascending = (await rows(page)).map((r) => r[0]);
  assert.deepEqual(ascending, [...ascending].sort());
  await page.screenshot({ path: join(shots, "dashboard-first-screen.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("moving the slider from June 2017 to June 2018 changes the zones drawn", async (t) => {
  if (missing.length) return t.skip(skipWhy);
  const { page, errors } = await openPage("/?date=2017-06-15");
  const june2017 = await zonesDrawn(page);
  assert.ok(june2017.includes("eastern-ghouta"), june2017.join(","));
  assert.ok(!june2017.includes("idlib-dmz"), "the Sochi DMZ did not exist in 2017");
  await page.evaluate(() => {
    const slider = document.getElementById("slider");
    const first = Date.parse(`${document.getElementById("date").min}T00:00:00Z`);
    slider.value = Math.round((Date.parse("2018-06-15T00:00:00Z") - first) / 86400000);
    slider.dispatchEvent(new Event("input"));
  });
  await page.waitForFunction(() => document.body.dataset.ready === "2018-06-15", null, { timeout: 30000 });
  assert.equal(await page.inputValue("#date"), "2018-06-15");
  const june2018 = await zonesDrawn(page);
  assert.notDeepEqual(june2018, june2017);
  // Eastern Ghouta was retaken in April 2018; its zone ended with it.
  assert.ok(!june2018.includes("eastern-ghouta"), june2018.join(","));
  await page.screenshot({ path: join(shots, "dashboard-2018-06-15.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("filters narrow the list, and the export links carry the same filters", async (t) => {
  if (missing.length) return t.skip(skipWhy);
  const { page, errors } = await openPage("/");
  const all = (await rows(page)).length;
  await page.selectOption("#f-zone", "eastern-ghouta");
  await ready(page);
  const ghouta = await rows(page);
  assert.ok(ghouta.length > 0 && ghouta.length < all, `${ghouta.length} of ${all}`);
  for (const r of ghouta) assert.match(r[3], /eastern-ghouta/);
  await page.selectOption("#f-type", "Explosions/Remote violence");
  await ready(page);
  const shelling = await rows(page);
  assert.ok(shelling.length > 0 && shelling.length < ghouta.length, `${shelling.length} of ${ghouta.length}`);
  // A date range from the filters.
  await page.fill("#f-from", "2018-02-01");
  await page.dispatchEvent("#f-from", "change");
  await ready(page);
  await page.fill("#f-to", "2018-03-31");
  await page.dispatchEvent("#f-to", "change");
  await ready(page);
  const spring = await rows(page);
  assert.ok(spring.length > 0 && spring.length <= shelling.length);
  for (const r of spring) assert.ok(r[0] >= "2018-01-25" && r[0] <= "2018-03-31", r[0]);
  // The CSV export of what is listed has as many rows, in ACLED's columns.
  const href = await page.getAttribute("#x-csv", "href");
  assert.match(href, /zone=eastern-ghouta/);
  const csv = await page.evaluate(async (u) => (await fetch(u)).text(), href);
  const lines = csv.trim().split("\r\n");
  assert.match(lines[0], /^event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude,/);
  assert.equal(lines.length - 1, spring.length);
  const hxl = await page.evaluate(async (u) => (await fetch(u)).text(), await page.getAttribute("#x-hxl", "href"));
  assert.match(hxl.split("\r\n")[1], /^#event\+code,#date\+occurred,#event\+type/);
  const geojson = await page.evaluate(async (u) => (await fetch(u)).json(), await page.getAttribute("#x-geojson", "href"));
  assert.equal(geojson.features.length, spring.length);
  await page.screenshot({ path: join(shots, "dashboard-filtered.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("an incident's panel shows its grade and reason and a proof verified in the browser", async (t) => {
  if (missing.length) return t.skip(skipWhy);
  const { page, errors } = await openPage("/");
  await page.click("#list tbody tr:first-child");
  await page.waitForFunction(() => document.getElementById("panel").dataset.proof, null, { timeout: 20000 });
  assert.equal(await page.getAttribute("#panel", "data-proof"), "verified", await page.textContent("#proof"));
  const panel = await page.textContent("#panel");
  assert.match(panel, /Why (single-source|corroborated|confirmed|contested|denied|discounted)/);
  assert.match(await page.textContent("#proof"), /Verified in this browser: its publication is entry \d+, included in the tree of \d+ entries/);
  // The public sees no sources or claims.
  assert.match(panel, /Sources and claims need a staff token/);
  await page.screenshot({ path: join(shots, "dashboard-incident-public.png") });

  // A proof altered on the way fails: the check is real, not a label.
  await page.route("**/api/v1/log/inclusion*", async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    body.proof[0] = body.proof[0].replace(/^./, (c) => (c === "0" ? "1" : "0"));
    await route.fulfill({ response, json: body });
  });
  await page.click("#list tbody tr:nth-child(2)");
  await page.waitForFunction(() => document.getElementById("panel").dataset.proof, null, { timeout: 20000 });
  assert.equal(await page.getAttribute("#panel", "data-proof"), "failed");
  assert.match(await page.textContent("#proof"), /Not verified: the path leads to/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a signed-in monitor sees more than the public: claims side by side, violations, the leaf rechecked", async (t) => {
  if (missing.length) return t.skip(skipWhy);
  const { page, errors } = await openPage("/");
  const publicRows = (await rows(page)).length;
  assert.equal(await page.isDisabled('[data-list="violations"]'), true);
  await page.fill("#token", token);
  await page.click("#signin-button");
  await page.waitForFunction(() => document.getElementById("role").textContent.includes("signed in"), null, { timeout: 20000 });
  await ready(page);
  // The token is kept in sessionStorage, never in the URL.
  assert.ok(!page.url().includes(token));
  assert.equal(await page.evaluate(() => sessionStorage.getItem("truce-token")), token);
  assert.ok((await rows(page)).length >= publicRows);
  // Khan Shaykhun (AST001): Russia's denial beside the findings.
  await page.evaluate(() => window.truce.openIncident("INC-AST001"));
  await page.waitForFunction(() => document.getElementById("panel").dataset.proof, null, { timeout: 20000 });
  const panel = await page.textContent("#panel");
  assert.match(panel, /Claims, side by side/);
  assert.match(panel, /russia/);
  assert.match(panel, /sources/);
  assert.equal(await page.getAttribute("#panel", "data-proof"), "verified", await page.textContent("#proof"));
  assert.match(await page.textContent("#proof"), /leaf recomputed from the entry's data/);
  await page.screenshot({ path: join(shots, "dashboard-incident-monitor.png") });
  // Violations, which the public may not list.
  await page.click('[data-list="violations"]');
  await ready(page);
  assert.ok((await rows(page)).length > 0);
  assert.match(await page.textContent("#list-title"), /Violations/);
  // Signing out returns to the public view and forgets the token.
  await page.click("#signout");
  await ready(page);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("truce-token")), null);
  assert.match(await page.textContent("#list-title"), /Incidents/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("an air strike's panel shows the aircraft tracks near it and what the position data covered", async (t) => {
  if (missing.length) return t.skip(skipWhy);
  const auth = { Authorization: `Bearer ${token}` };
  const list = await (await fetch(`${base()}/api/v1/incidents?limit=1000`, { headers: auth })).json();
  const strike = list.items.find((i) => i.sub_event_type === "Air/drone strike" && i.coverage?.length);
  assert.ok(strike, "no air strike incident in the shipped scenario");
  // Nothing posted yet: the coverage says no data, not that no aircraft flew.
  assert.match(strike.coverage[0].statement, /no position data at all/);
  // An aircraft over the incident's place at noon of the strike report's day, one fix a minute.
  const noon = Date.parse(strike.coverage[0].from) / 1000 + 12 * 3600;
  const fixes = [0, 1, 2].map((k) => ({ icao24: "abc0de", callsign: "TEST01", time: noon + 60 * k,
                                          lat: strike.latitude + 0.01 * k, lon: strike.longitude, baroaltitude: 4000 }));
  const posted = await fetch(`${base()}/api/v1/positions`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify(fixes) });
  assert.equal(posted.status, 201, await posted.text());
  const { page, errors } = await openPage("/");
  await page.fill("#token", token);
  await page.click("#signin-button");
  await page.waitForFunction(() => document.getElementById("role").textContent.includes("signed in"), null, { timeout: 20000 });
  await ready(page);
  await page.evaluate((id) => window.truce.openIncident(id), strike.id);
  await page.waitForFunction(() => document.getElementById("panel").dataset.proof, null, { timeout: 20000 });
  const evidence = await page.textContent("#panel .track-evidence");
  assert.match(evidence, /Aircraft tracks near the strike/);
  assert.match(evidence, /abc0de \(TEST01\) at \d{4}-\d\d-\d\dT12:0\d:00Z, (over|[\d.]+ km from the disc of) /);
  assert.match(evidence, /Evidence, not a verdict/);
  assert.match(evidence, /3 positions of 1 aircraft within \d+\.\d km of the report's centre during its interval/);
  await page.screenshot({ path: join(shots, "dashboard-incident-tracks.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("the daily report: HTML from the CLI and the API alike, byte-identical as of a time, and a PDF", async (t) => {
  if (missing.length) return t.skip(skipWhy);
  const head = await (await fetch(`${base()}/api/v1/log/head`)).json();
  const day = "2018-02-20";  // Eastern Ghouta under bombardment (SOHR, UN, MSF reports)
  const out = (name) => join(dir, name);
  const args = (file) => ["report", "--db", db, "--zone", "eastern-ghouta", "--day", day, "--out", file, "--as-of", head.timestamp];
  execFileSync(truce, args(out("a.html")), { stdio: "pipe" });
  execFileSync(truce, args(out("b.html")), { stdio: "pipe" });
  const a = readFileSync(out("a.html"), "utf8");
  assert.equal(a, readFileSync(out("b.html"), "utf8"));
  assert.match(a, /<h1>Daily report: [^<]*Ghouta[^<]*, 2018-02-20<\/h1>/);
  assert.match(a, /Violations by type/);
  assert.match(a, /Violations by party/);
  assert.match(a, /Humanitarian access/);
  assert.match(a, /<svg class="map"/);
  assert.ok(a.includes(`root ${head.root_hash}`), "the report carries the head it was made from");
  const served = await (await fetch(`${base()}/api/v1/report?zone=eastern-ghouta&day=${day}&as_of=${encodeURIComponent(head.timestamp)}`)).text();
  assert.equal(served, a);
  // The PDF, printed by Chromium, says the same.
  execFileSync(truce, args(out("r.pdf")), { stdio: "pipe", env: { ...process.env, TRUCE_CHROMIUM: chromiumPath } });
  assert.equal(readFileSync(out("r.pdf")).subarray(0, 5).toString(), "%PDF-");
  if (existsSync("/usr/bin/pdftotext")) {
    const text = execFileSync("/usr/bin/pdftotext", ["-layout", out("r.pdf"), "-"]).toString();
    assert.match(text, /Daily report/);
    assert.match(text, /Notable incidents/);
    assert.ok(text.includes(head.root_hash.slice(0, 16)), "the PDF carries the signed head");
  } else {
    t.diagnostic("pdftotext (poppler-utils) absent: the PDF's text is not checked");
  }
  // Bad input: a day that is not a day, an unknown zone.
  assert.throws(() => execFileSync(truce, ["report", "--db", db, "--zone", "eastern-ghouta", "--day", "20-02-2018", "--out", out("x.html")], { stdio: "pipe" }),
    (e) => e.status === 1 && /--day: expected a day YYYY-MM-DD/.test(e.stderr.toString()));
  assert.throws(() => execFileSync(truce, ["report", "--db", db, "--zone", "atlantis", "--day", day, "--out", out("x.html")], { stdio: "pipe" }),
    (e) => e.status === 1 && /no zone 'atlantis'/.test(e.stderr.toString()));
  const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
  await page.goto(`file://${out("a.html")}`);
  await page.screenshot({ path: join(shots, "daily-report.png"), fullPage: true });
  await page.close();
});

test("exports from the CLI hold what the role may read, as the API gives it", async (t) => {
  if (missing.length) return t.skip(skipWhy);
  const cli = (...a) => execFileSync(truce, ["export", ...a, "--db", db], { stdio: "pipe" }).toString();
  const publicCsv = cli("incidents");
  const api = await (await fetch(`${base()}/api/v1/export/incidents?f=csv`)).text();
  assert.equal(publicCsv, api);
  assert.ok(!/^[^\r\n]*\bnotes\b/.test(publicCsv), "the public export has no notes column");
  // Without f=, the Accept header chooses the format.
  const byAccept = async (accept) => (await fetch(`${base()}/api/v1/export/incidents`, { headers: { Accept: accept } })).text();
  assert.equal(JSON.parse(await byAccept("application/geo+json")).type, "FeatureCollection");
  assert.match((await byAccept("text/csv;profile=hxl")).split("\r\n")[1], /^#event\+code,/);
  assert.equal(await byAccept("text/csv"), publicCsv);
  const monitorCsv = cli("incidents", "--role", "monitor");
  assert.match(monitorCsv.split("\r\n")[0], /,source,notes,/);
  const hxl = cli("violations", "--role", "monitor", "--format", "hxl", "--zone", "idlib");
  assert.match(hxl.split("\r\n")[1], /^#event\+code,/);
  for (const line of hxl.trim().split("\r\n").slice(2)) assert.match(line, /,idlib,/);
  const geo = JSON.parse(cli("incidents", "--format", "geojson", "--type", "Battles"));
  assert.ok(geo.features.length > 0);
  for (const f of geo.features) assert.equal(f.properties.event_type, "Battles");
  // The public may not export violations; an unknown role is refused by name.
  assert.throws(() => cli("violations"), (e) => e.status === 1 && /the public role may not read violations/.test(e.stderr.toString()));
  assert.throws(() => cli("incidents", "--role", "king"), (e) => e.status === 1 && /--role: expected admin/.test(e.stderr.toString()));
});

// --- Flight tracks, alerts, notified sites -------------------------------------------------------

// The Switzerland sample's fixes of one aircraft (real ADS-B, 2018-08-01), moved onto Idlib:
// translated so that their centre is the zone's (35.85 N, 36.65 E; no_fly in force from May
// 2017), the first fix at `start`. The shapes and timing of the tracks are the real ones.
function movedOntoIdlib(records, icao24, start) {
  const fixes = records.filter((r) => r.icao24 === icao24 && r.latitude != null && r.longitude != null)
    .sort((a, b) => a.timestamp - b.timestamp);
  const lat = fixes.reduce((s, r) => s + r.latitude, 0) / fixes.length;
  const lon = fixes.reduce((s, r) => s + r.longitude, 0) / fixes.length;
  const t0 = fixes[0].timestamp;
  return fixes.map((r) => ({ ...r, latitude: r.latitude - lat + 35.85, longitude: r.longitude - lon + 36.65, timestamp: Date.parse(start) + (r.timestamp - t0) }));
}

let swiss = null;
function swissRecords() {
  swiss ??= JSON.parse(gunzipSync(readFileSync(swissSample)).toString());
  return swiss;
}

async function post(path, body, bearer) {
  const r = await fetch(`${base()}${path}`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  const text = await r.text();
  assert.ok(r.status === 201 || r.status === 200, `${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

async function getJson(path, bearer) {
  const r = await fetch(`${base()}${path}`, { headers: bearer ? { Authorization: `Bearer ${bearer}` } : {} });
  return { status: r.status, body: await r.json() };
}

// What a layer module drew, and the colours of the Leaflet paths in its group.
const layerState = (page, id) => page.evaluate((id) => {
  const layer = window.truce.layers.find((l) => l.id === id);
  const colours = {};
  layer.group.eachLayer((g) => (g.eachLayer ? g : { eachLayer: (f) => f(g) }).eachLayer((l) => { colours[l.options.color] = (colours[l.options.color] ?? 0) + 1; }));
  return { ...layer.drawn, colours };
}, id);

test("flight tracks of the window with violating segments in red, and alerts live in their tab", async (t) => {
  if (missing.length) return t.skip(skipWhy);
  if (!existsSync(swissSample)) return t.skip(`real flight data not found: ${swissSample}`);
  const first = movedOntoIdlib(swissRecords(), "4ca97b", "2018-06-15T05:00:00Z");
  await post("/api/v1/positions", first, token);
  const violations = (await getJson("/api/v1/flight-violations?icao24=4ca97b&limit=1000", token)).body.items;
  assert.ok(violations.length > 0, "the moved tracks cross Idlib");
  for (const v of violations) assert.equal(v.zone, "idlib");
  const api = (await getJson("/api/v1/flight-tracks?icao24=4ca97b&limit=1000", token)).body;
  const apiTracks = api.features.filter((f) => !f.properties.violating);
  const apiSegments = api.features.filter((f) => f.properties.violating);
  assert.equal(apiTracks.filter((f) => f.properties.violations.length).length, new Set(apiSegments.map((f) => f.properties.track)).size);
  assert.equal(apiSegments.length, violations.length, "each violation is a red segment of its track");

  const { page, errors } = await openPage("/", { signedIn: token });
  assert.match(await page.textContent("#role"), /signed in \(staff\)/);
  let drawn = await layerState(page, "tracks");
  assert.equal(drawn.source, "flight-tracks");
  // Every aircraft of the window is drawn (earlier tests posted others), these among them.
  const windowed = (await getJson(`/api/v1/flight-tracks?from=${drawn.from}&to=${drawn.to}&limit=1000`, token)).body.features;
  assert.equal(drawn.tracks, windowed.filter((f) => !f.properties.violating).length);
  assert.equal(drawn.segments, windowed.filter((f) => f.properties.violating).length);
  assert.ok(drawn.tracks >= apiTracks.length && drawn.segments >= violations.length, JSON.stringify(drawn));
  assert.ok(drawn.colours["#d62728"] >= violations.length, JSON.stringify(drawn));
  assert.ok(drawn.colours["#1f5fa8"] >= apiTracks.length, JSON.stringify(drawn));
  // Over Idlib, close enough to see the segments; the zone of 2018 is drawn under them.
  await page.evaluate(() => { document.getElementById("date").value = "2018-06-15"; });
  await page.dispatchEvent("#date", "change");
  await ready(page);
  await page.evaluate(() => { window.truce.map.setView([35.85, 36.65], 8.5, { animate: false }); });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(shots, "dashboard-tracks.png") });

  // The alerts tab: the entry alerts listed, then a new aircraft's entry arrives live.
  await page.click('[data-list="alerts"]');
  await ready(page);
  await page.waitForFunction(() => document.body.dataset.alertsLive === "open", null, { timeout: 10000 });
  const listed = await rows(page);
  assert.ok(listed.some((r) => r[2] === "flight entry"), JSON.stringify(listed.slice(0, 5)));
  assert.match(await page.textContent("#list-title"), /Alerts/);
  const before = listed.length;
  const titlesBefore = await page.$$eval("#list tbody tr", (trs) => trs.map((tr) => tr.title));
  const second = movedOntoIdlib(swissRecords(), "440005", "2018-06-16T05:00:00Z");
  const posted = Date.now();
  await post("/api/v1/positions", second, token);
  await page.waitForFunction(() => [...document.querySelectorAll("#list tbody tr")]
    .some((tr) => /440005/.test(tr.title) && /entered idlib/.test(tr.title)), null, { timeout: 10000 });
  t.diagnostic(`the new aircraft's entry reached the list ${Date.now() - posted} ms after the POST returned`);
  const now = await rows(page);
  assert.ok(now.length > before);
  assert.ok(!titlesBefore.some((title) => /440005/.test(title)), "it was not there before");
  assert.equal(await page.$$eval("#list tbody tr.fresh", (trs) => trs.length), 1, "the newest row is highlighted");
  await page.screenshot({ path: join(shots, "dashboard-alerts.png") });
  // The kind filter: only entries, from the API's own filter.
  await page.selectOption("#f-kind", "flight_entry");
  await ready(page);
  const entries = await rows(page);
  assert.ok(entries.length > 0 && entries.length < now.length);
  for (const r of entries) assert.equal(r[2], "flight entry");
  // A row opens where the aircraft entered.
  await page.click("#list tbody tr:first-child");
  await page.waitForSelector(".leaflet-popup-content");
  assert.match(await page.textContent(".leaflet-popup-content"), /entered idlib/);
  assert.deepEqual(errors, []);
  await page.close();

  // The public: red segments from the public collection, without the aircraft's identity.
  const pub = await openPage("/");
  drawn = await layerState(pub.page, "tracks");
  assert.equal(drawn.source, "flight-violations");
  assert.equal(drawn.tracks, 0);
  assert.ok(drawn.segments >= violations.length, JSON.stringify(drawn));
  assert.ok(drawn.colours["#d62728"] >= violations.length);
  const publicSegments = await pub.page.evaluate(() => JSON.stringify(window.truce.layers.find((l) => l.id === "tracks").group.toGeoJSON()));
  assert.ok(!publicSegments.includes("4ca97b") && !publicSegments.includes("RYR209H"), "the public sees no aircraft identity");
  // Its alerts carry no identity either.
  await pub.page.click('[data-list="alerts"]');
  await ready(pub.page);
  assert.ok((await rows(pub.page)).some((r) => r[2] === "flight entry"));
  assert.ok(!(await pub.page.textContent("#list")).includes("4ca97b"));
  assert.deepEqual(pub.errors, []);
  await pub.page.close();
});

test("notified sites and movement routes for the roles that may see them, never the public", async (t) => {
  if (missing.length) return t.skip(skipWhy);
  const humanitarian = execFileSync(truce, ["token", "create", "--db", db, "--role", "humanitarian"]).toString().trim().split("\n").pop();
  // A hospital in Idlib city (GeoNames 35.93062 N, 36.63393 E) and a convoy from Damascus to
  // Douma (GeoNames), notified by the humanitarian cell.
  await post("/api/v1/sites", {
    type: "Feature", geometry: { type: "Point", coordinates: [36.63393, 35.93062] },
    properties: { id: "idlib-hospital", type: "hospital", organisation: "SAMS", valid_from: "2017-06-01" },
  }, humanitarian);
  await post("/api/v1/movements", {
    type: "Feature", geometry: { type: "LineString", coordinates: [[36.29132, 33.53098], [36.4027, 33.57175]] },
    properties: { id: "convoy-douma", organisation: "SARC", window_start: "2018-03-05T06:00:00Z", window_end: "2018-03-05T18:00:00Z", destination_zone: "eastern-ghouta" },
  }, humanitarian);
  for (const [who, bearer] of [["humanitarian", humanitarian], ["monitor", token]]) {
    const { page, errors, calls } = await openPage("/", { signedIn: bearer });
    const drawn = await layerState(page, "notifications");
    assert.equal(drawn.sites, 1, who);
    assert.equal(drawn.movements, 1, who);
    assert.ok(drawn.colours["#7b4fa0"] >= 1 && drawn.colours["#fff"] >= 1, JSON.stringify(drawn));
    assert.ok(calls.some((u) => u.includes("/ogc/collections/sites/items")), who);
    if (who === "humanitarian") {
      assert.match(await page.textContent("#role"), /signed in \(party or humanitarian\)/);
      // Idlib's hospital in the north, the convoy's route to Douma in the south.
      await page.evaluate(() => { window.truce.map.fitBounds([[33.4, 36.0], [36.1, 37.0]], { animate: false }); });
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(shots, "dashboard-sites.png") });
    }
    assert.deepEqual(errors, [], who);
    await page.close();
  }
  // Each read was logged as a disclosure (who, what, when).
  const log = (await getJson("/api/v1/log/entries?limit=1000", token)).body.items;
  assert.ok(log.some((e) => e.kind === "disclosure" && e.data.includes("idlib-hospital")), "the reads are in the log");
  // The public: the page never asks, and nothing of the site reaches it.
  const { page, errors, calls } = await openPage("/");
  const drawn = await layerState(page, "notifications");
  assert.equal(drawn.sites, 0);
  assert.equal(drawn.movements, 0);
  assert.ok(!calls.some((u) => /\/(sites|movements)\b/.test(u)), calls.filter((u) => /sites|movements/.test(u)).join(" "));
  assert.ok(!(await page.content()).includes("36.63393"));
  assert.equal((await getJson("/ogc/collections/sites/items")).status, 403);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the summary shows the flight ban per zone when the server gives it", async (t) => {
  if (missing.length) return t.skip(skipWhy);
  const { page, errors } = await openPage("/?date=2018-02-20");
  const plain = await page.textContent("#summary");
  // A summary that carries the flight ban (the server's, with the per-zone counts added when
  // this server does not give them yet).
  await page.route("**/api/v1/summary*", async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    for (const z of body.zones ?? []) {
      z.flight_ban ??= z.zone === "idlib"
        ? { flights: { count: 3, previous: 1, change: 2 }, minutes_inside: { count: 41.5, previous: 50, change: -8.5 } }
        : { flights: { count: 0, previous: 0, change: 0 }, minutes_inside: { count: 0, previous: 0, change: 0 } };
    }
    await route.fulfill({ response, json: body });
  });
  await page.evaluate(() => { document.getElementById("date").value = "2018-02-21"; });
  await page.dispatchEvent("#date", "change");
  await page.waitForFunction(() => document.body.dataset.ready === "2018-02-21", null, { timeout: 30000 });
  assert.match(await page.textContent("#summary-title"), /flight ban/);
  const idlib = await page.$$eval('#summary tr[data-zone="idlib"] td', (tds) => tds.map((td) => td.textContent.trim()));
  if (!plain.includes("no-fly flights")) {
    assert.deepEqual(idlib.slice(3), ["3", "+2", "41.5", "-8.5"]);
  } else {
    assert.equal(idlib.length, 7);
  }
  assert.match(await page.textContent("#summary"), /no-fly flights/);
  await page.locator("#summary").scrollIntoViewIfNeeded();
  await page.locator("#summary").locator("..").screenshot({ path: join(shots, "dashboard-summary-flight-ban.png") });
  assert.deepEqual(errors, []);
  await page.close();
});
