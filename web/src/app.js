// The truce dashboard: the zone versions in force on a chosen day, the violations reported
// around it, the period summary against the previous one, and the signed head of the
// transparency log. It only reads the HTTP API (docs/openapi.yaml); what it may show depends
// on the token's role (the public role sees zones, summaries and the log head).

const FIRST_DAY = Date.UTC(2017, 4, 1);   // the memorandum's week
const LAST_DAY = Date.UTC(2019, 11, 31);
const DAY_MS = 86400000;
const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

const $ = (id) => document.getElementById(id);
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const escapeHtml = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const colours = new Map();
function zoneColour(zone) {
  if (!colours.has(zone)) colours.set(zone, PALETTE[colours.size % PALETTE.length]);
  return colours.get(zone);
}

async function api(path) {
  const headers = {};
  const token = $("token").value.trim();
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { headers });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = body?.error?.message ?? body?.message ?? response.statusText;
    throw Object.assign(new Error(message), { status: response.status });
  }
  return body;
}

const map = L.map("map", { zoomSnap: 0.25, preferCanvas: true }).setView([34.8, 38.3], 7);
map.attributionControl.addAttribution("Boundaries: Natural Earth; zones: truce scenario (approximate)");
const zonesLayer = L.layerGroup().addTo(map);
const violationsLayer = L.layerGroup().addTo(map);

async function drawBaseMap() {
  const world = await (await fetch("vendor/countries-50m.json")).json();
  const countries = topojson.feature(world, world.objects.countries);
  L.geoJSON(countries, {
    style: (f) => ({
      color: "#8a99a8", weight: f.id === "760" ? 1.5 : 0.7,
      fillColor: f.id === "760" ? "#f4efe4" : "#e9ecef", fillOpacity: 1,
    }),
    interactive: false,
  }).addTo(map);
}

function rulesHtml(rules) {
  return (rules ?? []).map((r) => {
    const cite = r.agreement ? ` <span class="muted">(${escapeHtml(r.agreement)}${r.clause ? " clause " + escapeHtml(r.clause) : ""})</span>` : "";
    const bound = r.bound?.length ? `<br><span class="muted">binds ${r.bound.map(escapeHtml).join(", ")}</span>` : "";
    return `<li>${escapeHtml(r.kind)}${cite}${bound}</li>`;
  }).join("");
}

async function drawZones(day) {
  const fc = await api(`/api/v1/zones?at=${day}`);
  zonesLayer.clearLayers();
  const list = $("zones");
  list.innerHTML = "";
  for (const f of fc.features) {
    const p = f.properties;
    const colour = zoneColour(p.zone);
    L.geoJSON(f, { style: { color: colour, weight: 2, fillOpacity: 0.18 } })
      .bindPopup(`<h3>${escapeHtml(p.name || p.zone)} <span class="muted">v${p.version}</span></h3>
        <div>${escapeHtml(p.valid_from)} → ${escapeHtml(p.valid_to || "open")}</div>
        <ul>${rulesHtml(p.rules)}</ul>
        ${p.source ? `<div class="muted">Source: ${escapeHtml(p.source)}</div>` : ""}
        ${p.note ? `<div class="muted">${escapeHtml(p.note)}</div>` : ""}`, { maxWidth: 360 })
      .addTo(zonesLayer);
    const item = document.createElement("li");
    item.innerHTML = `<span class="swatch" style="background:${colour}"></span>${escapeHtml(p.name || p.zone)} <span class="muted">v${p.version}, ${(p.rules ?? []).map((r) => escapeHtml(r.kind)).join(", ")}</span>`;
    item.dataset.zone = p.zone;
    list.appendChild(item);
  }
  $("zone-count").textContent = `(${fc.features.length})`;
}

async function drawViolations(day) {
  violationsLayer.clearLayers();
  const from = isoDay(Date.parse(day) - 6 * DAY_MS);
  const to = isoDay(Date.parse(day) + DAY_MS);
  try {
    const page = await api(`/api/v1/violations?from=${from}&to=${to}&limit=1000`);
    for (const v of page.items ?? []) {
      const inside = v.verdict === "inside";
      L.circle([v.latitude, v.longitude], {
        radius: v.radius_m ?? 2000, color: inside ? "#b3261e" : "#e08a00", weight: 1.5,
        fillOpacity: inside ? 0.45 : 0.2,
      }).bindPopup(`<h3>${escapeHtml(v.report)} <span class="muted">${escapeHtml(v.verdict)}</span></h3>
          <div>${escapeHtml(v.event_type)}: ${escapeHtml(v.rule)} of ${escapeHtml(v.zone)} v${v.version}</div>
          <div class="muted">${escapeHtml(v.clause)}; ${Math.round((v.fraction ?? 0) * 100)}% of the disc inside</div>
          <div class="muted">${escapeHtml(v.time_begin)} → ${escapeHtml(v.time_end)}${v.party ? "; " + escapeHtml(v.party) : ""}</div>`)
        .addTo(violationsLayer);
    }
    return page.items?.length ?? 0;
  } catch (e) {
    if (e.status === 401 || e.status === 403) return null;  // the public role sees aggregates only
    throw e;
  }
}

function changeHtml(c) {
  const n = c.change;
  if (!n) return `<span class="muted">±0</span>`;
  return n > 0 ? `<span class="up">+${n}</span>` : `<span class="down">${n}</span>`;
}

async function drawSummary(day) {
  // The API's `to` is exclusive: the week ends with the chosen day.
  const from = isoDay(Date.parse(day) - 6 * DAY_MS);
  const to = isoDay(Date.parse(day) + DAY_MS);
  const s = await api(`/api/v1/summary?from=${from}&to=${to}`);
  const rows = (s.zones ?? []).map((z) => {
    const c = z.reports;
    return `<tr><td><span class="swatch" style="background:${zoneColour(z.zone)}"></span>${escapeHtml(z.zone)}</td>
      <td class="n">${c.count}</td><td class="n">${changeHtml(c)}</td></tr>`;
  }).join("");
  const total = s.reports ?? { count: 0, previous: 0, change: 0 };
  $("summary").innerHTML = `<table><tr><th>zone</th><th>reports</th><th>vs prev.</th></tr>${rows}
    <tr><th>all</th><th class="n">${total.count}</th><th class="n">${changeHtml(total)}</th></tr></table>`;
  $("summary").classList.remove("muted");
}

async function drawLog() {
  const head = await api("/api/v1/log/head");
  $("log").innerHTML = `${head.tree_size} entries, signed ${escapeHtml(head.timestamp)}<br>
    root ${escapeHtml(head.root_hash)}<br>key ${escapeHtml(head.public_key)}`;
}

let pending = 0;
async function refresh(day) {
  const ticket = ++pending;
  $("status").textContent = `loading ${day}…`;
  try {
    await drawZones(day);
    const [violations] = await Promise.all([drawViolations(day), drawSummary(day), drawLog()]);
    if (ticket !== pending) return;
    $("status").textContent = violations === null
      ? `${day}: individual violations need a monitor, guarantor or party token`
      : `${day}: ${violations} violation${violations === 1 ? "" : "s"} in the 7 days to date`;
    document.body.dataset.ready = day;
  } catch (e) {
    $("status").textContent = `error: ${e.message}`;
    document.body.dataset.ready = "error";
  }
}

function setDay(day, fromSlider = false) {
  $("date").value = day;
  if (!fromSlider) $("slider").value = Math.round(((Date.parse(day) - FIRST_DAY) / (LAST_DAY - FIRST_DAY)) * 1000);
  history.replaceState(null, "", `?date=${day}`);
  refresh(day);
}

async function main() {
  $("token").value = sessionStorage.getItem("truce-token") ?? "";
  $("token").addEventListener("change", () => {
    sessionStorage.setItem("truce-token", $("token").value.trim());
    refresh($("date").value);
  });
  $("date").addEventListener("change", () => setDay($("date").value));
  $("slider").addEventListener("input", () => {
    const ms = FIRST_DAY + (LAST_DAY - FIRST_DAY) * ($("slider").value / 1000);
    setDay(isoDay(Math.floor(ms / DAY_MS) * DAY_MS), true);
  });
  await drawBaseMap();
  try {
    const s = await api("/api/v1/scenario");
    $("scenario-name").textContent = s.bundle?.scenario?.name ?? s.scenario_id ?? "";
  } catch (e) {
    $("scenario-name").textContent = `no scenario: ${e.message}`;
  }
  const requested = new URLSearchParams(location.search).get("date");
  setDay(/^\d{4}-\d{2}-\d{2}$/.test(requested ?? "") ? requested : "2017-08-21");
}

main();
