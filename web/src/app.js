// The truce dashboard: a list of incidents (or violations) with filters beside a map that
// clusters them at low zoom; an incident panel with its grade, reason, reports, claims and its
// transparency-log inclusion proof checked in this browser; the zones in force on the chosen
// day; the 7-day summary; the signed log head. It only reads the HTTP API (docs/openapi.yaml);
// what it shows depends on the token's role, and the token lives in sessionStorage only.
//
// The alerts tab lists /api/v1/alerts to the end and then follows /api/v1/alerts/stream live.
// Layer modules (flight tracks, notified sites and movements) hook in through
// window.truce.registerLayer (docs/dashboard.md "Adding a layer").
import { verifyInclusion, verifyHeadSignature, leafHash } from "./merkle.js";

const DAY_MS = 86400000;
const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
const CLUSTER_BELOW_ZOOM = 10;  // below this zoom, incidents are grouped into counted clusters
const TOKEN_KEY = "truce-token";

const $ = (id) => document.getElementById(id);
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (day) => Date.parse(`${day}T00:00:00Z`);
const escapeHtml = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const state = {
  role: "public",          // the role the token signs in as ("public" without one)
  list: "incidents",       // or "violations" (insiders), or "alerts"
  items: [],               // the current list, every page fetched
  sort: { key: "date", dir: -1 },
  span: { first: null, last: null },  // the scenario's life, from its data
  selected: null,
  collections: new Set(),  // the feature collections the role may read (/ogc/collections)
};

// --- The API ------------------------------------------------------------------------------------

function token() { return sessionStorage.getItem(TOKEN_KEY) ?? ""; }

async function api(path) {
  const headers = {};
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const response = await fetch(path, { headers });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = body?.error?.message ?? body?.message ?? response.statusText;
    throw Object.assign(new Error(message), { status: response.status });
  }
  return body;
}

// Every page of a list, following the API's cursors to the end (pages of 1000, the API's
// maximum; window.TRUCE_PAGE_SIZE overrides it, for the tests).
async function apiAll(path) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api(`${path}${sep}limit=${window.TRUCE_PAGE_SIZE ?? 1000}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...(page.items ?? []));
    cursor = page.next;
  } while (cursor);
  return items;
}

// Every feature of an OGC API items URL, following its `next` links to the end.
async function ogcAll(path) {
  const features = [];
  let url = `${path}${path.includes("?") ? "&" : "?"}limit=${window.TRUCE_PAGE_SIZE ?? 1000}`;
  while (url) {
    const page = await api(url);
    features.push(...(page.features ?? []));
    const next = (page.links ?? []).find((l) => l.rel === "next");
    url = next ? new URL(next.href, location.href).pathname + new URL(next.href, location.href).search : null;
  }
  return features;
}

// --- The map ------------------------------------------------------------------------------------

const colours = new Map();
function zoneColour(zone) {
  if (!colours.has(zone)) colours.set(zone, PALETTE[colours.size % PALETTE.length]);
  return colours.get(zone);
}

const map = L.map("map", { zoomSnap: 0.25, preferCanvas: true }).setView([34.8, 38.3], 7);
map.attributionControl.addAttribution("Boundaries: Natural Earth; zones: truce scenario (approximate)");
const zonesLayer = L.layerGroup().addTo(map);
const itemsLayer = L.layerGroup().addTo(map);

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

// Groups points lying within `radiusPx` screen pixels of a group's first point at the current
// zoom: each group of more than one point becomes one counted marker, so 87 reports over
// Eastern Ghouta read as "87" rather than one opaque blob. Precise discs and points come at
// CLUSTER_BELOW_ZOOM and up.
function clusters(items, radiusPx = 46) {
  const groups = [];
  for (const item of items) {
    const p = map.project([item.latitude, item.longitude], map.getZoom());
    const near = groups.find((g) => Math.hypot(g.x - p.x, g.y - p.y) < radiusPx);
    if (near) near.items.push(item);
    else groups.push({ x: p.x, y: p.y, items: [item] });
  }
  return groups.map((g) => g.items);
}

function itemColour(item) {
  if (state.list === "alerts") return /exit/.test(item.kind) ? "#5f6f7f" : "#b3261e";
  if (state.list === "violations") return item.verdict === "inside" ? "#b3261e" : "#e08a00";
  return { confirmed: "#b3261e", corroborated: "#e08a00", contested: "#7b4fa0", denied: "#555" }[item.grade] ?? "#5f6f7f";
}

function drawItems() {
  itemsLayer.clearLayers();
  // Alerts about records without a place (none yet) stay in the list only.
  const items = filteredItems().filter((i) => Number.isFinite(i.latitude) && Number.isFinite(i.longitude));
  if (map.getZoom() < CLUSTER_BELOW_ZOOM) {
    for (const group of clusters(items)) {
      const lat = group.reduce((s, i) => s + i.latitude, 0) / group.length;
      const lng = group.reduce((s, i) => s + i.longitude, 0) / group.length;
      if (group.length === 1) {
        L.circleMarker([lat, lng], { radius: 6, color: "#fff", weight: 1.5, fillColor: itemColour(group[0]), fillOpacity: 0.9 })
          .on("click", () => openItem(group[0])).bindTooltip(itemLabel(group[0])).addTo(itemsLayer);
        continue;
      }
      const size = Math.min(44, 20 + 5 * Math.log2(group.length));
      L.marker([lat, lng], {
        icon: L.divIcon({ className: "cluster", html: `<span style="line-height:${size - 4}px">${group.length}</span>`, iconSize: [size, size] }),
        title: `${group.length} ${state.list}`,
      }).on("click", () => map.flyToBounds(L.latLngBounds(group.map((i) => [i.latitude, i.longitude])).pad(0.3), { maxZoom: CLUSTER_BELOW_ZOOM + 1 }))
        .addTo(itemsLayer);
    }
    return;
  }
  for (const item of items) {
    const colour = itemColour(item);
    L.circle([item.latitude, item.longitude], { radius: item.radius_m ?? 2000, color: colour, weight: 1, opacity: 0.6, fillOpacity: 0.06, interactive: false })
      .addTo(itemsLayer);
    L.circleMarker([item.latitude, item.longitude], { radius: 5, color: "#fff", weight: 1.5, fillColor: colour, fillOpacity: 0.95 })
      .on("click", () => openItem(item)).bindTooltip(itemLabel(item)).addTo(itemsLayer);
  }
}
map.on("zoomend", () => drawItems());

function itemLabel(item) {
  if (state.list === "alerts") return `alert ${item.id} · ${item.kind} · ${alertWhat(item)}`;
  return state.list === "violations"
    ? `${item.report} · ${item.event_type} · ${item.zone} (${item.verdict})`
    : `${item.id} · ${item.event_date} · ${item.event_type} · ${item.grade}`;
}

// --- Zones, summary, log head -------------------------------------------------------------------

function rulesHtml(rules) {
  return (rules ?? []).map((r) => {
    const cite = r.agreement ? ` <span class="muted">(${escapeHtml(r.agreement)}${r.clause ? " clause " + escapeHtml(r.clause) : ""})</span>` : "";
    const bound = r.bound?.length ? `<br><span class="muted">binds ${r.bound.map(escapeHtml).join(", ")}</span>` : "";
    return `<li>${escapeHtml(r.kind)}${cite}${bound}</li>`;
  }).join("");
}

// Draws the zone versions in force on `day`; returns the set of their zone ids.
async function drawZones(day) {
  const fc = await api(`/api/v1/zones?at=${day}`);
  zonesLayer.clearLayers();
  const list = $("zones");
  list.innerHTML = "";
  for (const f of fc.features) {
    const p = f.properties;
    const colour = zoneColour(p.zone);
    L.geoJSON(f, { style: { color: colour, weight: 2, fillOpacity: 0.12 } })
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
  return new Set(fc.features.map((f) => f.properties.zone));
}

function changeHtml(c) {
  const n = c.change;
  if (!n) return `<span class="muted">±0</span>`;
  return n > 0 ? `<span class="up">+${n}</span>` : `<span class="down">${n}</span>`;
}

async function drawSummary(day, inForce) {
  // The API's `to` is exclusive: the week ends with the chosen day.
  const s = await api(`/api/v1/summary?from=${isoDay(dayMs(day) - 6 * DAY_MS)}&to=${isoDay(dayMs(day) + DAY_MS)}`);
  // Only the zones in force that day: a zone not yet agreed has nothing to count.
  const zones = (s.zones ?? []).filter((z) => inForce.has(z.zone));
  // The flight ban per zone (flights violating it, minutes inside), when the summary has it.
  const ban = zones.some((z) => z.flight_ban);
  const count = (c) => (c ? `<td class="n">${escapeHtml(c.count)}</td><td class="n">${changeHtml(c)}</td>` : `<td class="n muted">—</td><td></td>`);
  const rows = zones.map((z) => `<tr data-zone="${escapeHtml(z.zone)}"><td><span class="swatch" style="background:${zoneColour(z.zone)}"></span>${escapeHtml(z.zone)}</td>
      ${count(z.reports)}${ban ? count(z.flight_ban?.flights) + count(z.flight_ban?.minutes_inside) : ""}</tr>`).join("");
  const total = s.reports ?? { count: 0, previous: 0, change: 0 };
  const sum = (key) => {
    const parts = zones.map((z) => z.flight_ban?.[key]).filter(Boolean);
    const c = parts.reduce((a, p) => a + Number(p.count ?? 0), 0), prev = parts.reduce((a, p) => a + Number(p.previous ?? 0), 0);
    return { count: Math.round(c * 10) / 10, change: Math.round((c - prev) * 10) / 10 };
  };
  $("summary-title").textContent = ban ? "Reports and the flight ban, 7 days to the day" : "Reports, 7 days to the day";
  $("summary").innerHTML = `<table>
    <tr><th>zone</th><th class="n" colspan="2">reports</th>${ban ? `<th class="n" colspan="2">no-fly flights</th><th class="n" colspan="2">min. inside</th>` : ""}</tr>${rows}
    <tr><th>all</th><th class="n">${total.count}</th><th class="n">${changeHtml(total)}</th>${ban ? count(sum("flights")) + count(sum("minutes_inside")) : ""}</tr></table>
    <div class="muted note">± against the 7 days before${ban ? "; no-fly flights: aircraft that violated the zone's flight ban, and the minutes they spent inside" : ""}</div>`;
  $("summary").classList.remove("muted");
}

async function drawLog() {
  const head = await api("/api/v1/log/head");
  $("log").innerHTML = `${head.tree_size} entries, signed ${escapeHtml(head.timestamp)}<br>
    root ${escapeHtml(head.root_hash)}<br>key ${escapeHtml(head.public_key)}`;
}

// --- The list -----------------------------------------------------------------------------------

// The list's window [from, to) as dates, from the period control and the chosen day.
function listWindow() {
  const period = $("f-period").value;
  const day = $("date").value;
  if (period === "all") return { from: state.span.first, to: isoDay(dayMs(state.span.last) + DAY_MS) };
  if (period === "range") {
    return { from: $("f-from").value || state.span.first, to: isoDay(dayMs($("f-to").value || state.span.last) + DAY_MS) };
  }
  return { from: isoDay(dayMs(day) - (Number(period) - 1) * DAY_MS), to: isoDay(dayMs(day) + DAY_MS) };
}

// The query the list and the export links share: the filters the API applies.
function listQuery() {
  const { from, to } = listWindow();
  const q = new URLSearchParams({ from, to });
  for (const [param, id] of [["zone", "f-zone"], ["type", "f-type"], ["party", "f-party"]]) {
    if ($(id).value) q.set(param, $(id).value);
  }
  if (state.list === "incidents" && $("f-grade").value) q.set("grade", $("f-grade").value);
  if (state.list === "violations" && $("f-verdict").value) q.set("verdict", $("f-verdict").value);
  return q;
}

async function loadList() {
  if (state.list === "alerts") return loadAlerts();
  stopAlertStream();
  const q = listQuery();
  state.items = await apiAll(`/api/v1/${state.list}?${q}`);
  const exports = `/api/v1/export/${state.list}?${q}`;
  $("x-csv").href = `${exports}&f=csv`;
  $("x-geojson").href = `${exports}&f=geojson`;
  $("x-hxl").href = `${exports}&f=hxl`;
  fillPartyChoices();
}

// The parties the record names, as filter choices (kept once seen).
const knownParties = new Set();
function fillPartyChoices() {
  for (const item of state.items) {
    for (const p of item.alleged_parties ?? (item.party ? [item.party] : [])) knownParties.add(p);
  }
  const select = $("f-party");
  const chosen = select.value;
  const have = new Set([...select.options].map((o) => o.value));
  for (const p of [...knownParties].sort()) {
    if (!have.has(p)) select.add(new Option(p, p));
  }
  select.value = chosen;
}

function filteredItems() { return state.items; }

function sortValue(item, key) {
  if (state.list === "alerts") {
    return { date: item.time, id: item.id, type: item.kind, zone: item.record?.zone ?? "", grade: item.record?.verdict ?? "" }[key] ?? "";
  }
  const violation = state.list === "violations";
  switch (key) {
    case "date": return item.time_begin ?? item.event_date ?? "";
    case "id": return violation ? item.report : item.id;
    case "type": return item.event_type ?? "";
    case "zone": return violation ? item.zone : (item.zones ?? []).map((z) => z.zone).join(",");
    case "grade": return violation ? item.verdict : item.grade;
  }
  return "";
}

function drawList() {
  const { key, dir } = state.sort;
  const items = [...filteredItems()].sort((a, b) => {
    const x = sortValue(a, key), y = sortValue(b, key);
    return (x < y ? -1 : x > y ? 1 : 0) * dir;
  });
  const violation = state.list === "violations";
  const rows = state.list === "alerts" ? items.map(alertRow) : items.map((item) => {
    const id = violation ? `${item.report}` : item.id;
    const zones = violation ? `${item.zone} v${item.version}` : [...new Set((item.zones ?? []).map((z) => z.zone))].join(", ");
    const grade = violation ? item.verdict : item.grade;
    return `<tr data-id="${escapeHtml(id)}" data-key="${escapeHtml(violation ? `${item.report}|${item.zone}|${item.rule}` : item.id)}">
      <td>${escapeHtml((item.time_begin ?? item.event_date ?? "").slice(0, 10))}</td><td>${escapeHtml(id)}</td>
      <td>${escapeHtml(item.sub_event_type || item.event_type)}</td><td>${escapeHtml(zones || "—")}</td>
      <td><span class="grade grade-${escapeHtml(grade)}">${escapeHtml(grade)}</span></td></tr>`;
  });
  const body = $("list").tBodies[0];
  body.innerHTML = rows.join("");
  [...body.rows].forEach((row, k) => row.addEventListener("click", () => openItem(items[k])));
  $("list-count").textContent = `(${items.length})`;
  for (const th of $("list").tHead.rows[0].cells) {
    th.setAttribute("aria-sort", th.dataset.sort === key ? (dir > 0 ? "ascending" : "descending") : "none");
  }
  drawItems();
}

// --- Alerts -------------------------------------------------------------------------------------

// The alert kinds the API names (docs/server.md "Alerts"); kinds seen in the data are added.
const ALERT_KINDS = ["flight_entry", "flight_exit", "report_violation"];
const alertStream = { controller: null, kind: null, lastId: 0, connected: false };

// An alert as a list item: its place (the report's, or where the aircraft entered or left) for
// the map.
function alertItem(a) {
  const r = a.record ?? {};
  const exit = a.kind === "flight_exit" && r.exit_lat != null;
  return { ...a, latitude: r.latitude ?? (exit ? r.exit_lat : r.entry_lat) ?? r.lat, longitude: r.longitude ?? (exit ? r.exit_lon : r.entry_lon) ?? r.lon };
}

function alertWhat(a) {
  const r = a.record ?? {};
  if (a.kind === "report_violation") return `report ${r.report ?? ""} in ${r.zone ?? "?"} (${r.rule ?? ""})`;
  if (a.kind.startsWith("flight")) {
    const who = r.icao24 ? `${r.icao24}${r.callsign ? ` ${r.callsign}` : ""}` : "an aircraft";
    return a.kind === "flight_entry" ? `${who} entered ${r.zone ?? "?"} at ${r.entry_time ?? ""}` : `${who} left ${r.zone ?? "?"} at ${r.exit_time ?? r.last_contact ?? ""}`;
  }
  return r.target ?? r.zone ?? r.id ?? "";
}

function alertRow(a) {
  const r = a.record ?? {};
  return `<tr data-id="${escapeHtml(a.id)}" data-kind="${escapeHtml(a.kind)}" title="${escapeHtml(alertWhat(a))}">
    <td>${escapeHtml(String(a.time ?? "").replace("T", " ").slice(0, 19))}</td><td>${escapeHtml(a.id)}</td>
    <td>${escapeHtml(a.kind.replace(/_/g, " "))}</td><td>${escapeHtml(r.zone ?? r.target ?? "—")}</td>
    <td>${r.verdict ? `<span class="grade grade-${escapeHtml(r.verdict)}">${escapeHtml(r.verdict)}</span>` : ""}</td></tr>`;
}

function fillKindChoices(alerts) {
  const select = $("f-kind");
  const have = new Set([...select.options].map((o) => o.value));
  for (const k of [...ALERT_KINDS, ...alerts.map((a) => a.kind)]) if (!have.has(k)) { select.add(new Option(k.replace(/_/g, " "), k)); have.add(k); }
}

// The list to its end, then the stream from the last id listed.
async function loadAlerts() {
  const kind = $("f-kind").value;
  const alerts = await apiAll(`/api/v1/alerts${kind ? `?kind=${encodeURIComponent(kind)}` : ""}`);
  fillKindChoices(alerts);
  state.items = alerts.map(alertItem);
  const last = alerts.reduce((m, a) => Math.max(m, Number(a.id)), 0);
  if (alertStream.controller && alertStream.kind === kind) {
    // Still following: keep the stream; what it delivered since is in the list already.
    alertStream.lastId = Math.max(alertStream.lastId, last);
    return;
  }
  startAlertStream(kind, last);
}

function setLive(text, connected) {
  alertStream.connected = connected;
  $("alerts-live").textContent = text;
  $("alerts-live").classList.toggle("live", connected);
  document.body.dataset.alertsLive = connected ? "open" : "closed";
}

function stopAlertStream() {
  alertStream.controller?.abort();
  alertStream.controller = null;
  setLive("not connected", false);
}

// Server-Sent Events read with fetch: EventSource cannot send the Authorization header, and
// the token never goes into a URL. Same protocol; a dropped connection is resumed after 2 s
// with Last-Event-ID, so nothing is missed or repeated.
function startAlertStream(kind, after) {
  stopAlertStream();
  const controller = new AbortController();
  Object.assign(alertStream, { controller, kind, lastId: after });
  (async () => {
    while (!controller.signal.aborted) {
      try {
        const headers = { Accept: "text/event-stream", "Last-Event-ID": String(alertStream.lastId) };
        if (token()) headers.Authorization = `Bearer ${token()}`;
        const response = await fetch(`/api/v1/alerts/stream${kind ? `?kind=${encodeURIComponent(kind)}` : ""}`, { headers, signal: controller.signal });
        if (!response.ok) throw new Error(`the stream answered ${response.status}`);
        setLive(`● live: new alerts appear as they happen`, true);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, "")).join("\n");
            if (data) onAlert(JSON.parse(data));
          }
        }
      } catch (e) {
        if (controller.signal.aborted) return;
        console.warn(`alert stream: ${e.message}`);
      }
      if (controller.signal.aborted) return;
      setLive("reconnecting…", false);
      await new Promise((ok) => setTimeout(ok, 2000));
    }
  })();
}

function onAlert(alert) {
  if (Number(alert.id) <= alertStream.lastId) return;  // already listed
  alertStream.lastId = Number(alert.id);
  if (state.list !== "alerts") return;
  fillKindChoices([alert]);
  state.items.push(alertItem(alert));
  drawList();
  const row = $("list").tBodies[0].querySelector(`tr[data-id="${CSS.escape(String(alert.id))}"]`);
  row?.classList.add("fresh");
  $("status").textContent = `alert ${alert.id}: ${alert.kind.replace(/_/g, " ")}, ${alertWhat(alert)}`;
}

// A report's alert opens its incident; a flight alert shows where the aircraft entered.
function openAlert(item) {
  const r = item.record ?? {};
  if (item.kind === "report_violation" && r.report) return openIncident(`INC-${r.report}`);
  if (!Number.isFinite(item.latitude)) return;
  map.setView([item.latitude, item.longitude], Math.max(map.getZoom(), 9));
  L.popup({ maxWidth: 360 }).setLatLng([item.latitude, item.longitude])
    .setContent(`<h3>Alert ${escapeHtml(item.id)}: ${escapeHtml(item.kind.replace(/_/g, " "))}</h3>
      <div>${escapeHtml(alertWhat(item))}</div>
      <div class="muted">${escapeHtml(r.zone ?? "")}${r.version ? ` v${escapeHtml(r.version)}` : ""}${r.verdict ? `, ${escapeHtml(r.verdict)}` : ""}${r.clause ? ` (${escapeHtml(r.clause)})` : ""}; received ${escapeHtml(item.time)}</div>`)
    .openOn(map);
}

// --- The incident panel -------------------------------------------------------------------------

async function openItem(item) {
  if (state.list === "alerts") return openAlert(item);
  if (state.list === "violations") {
    // A violation opens the incident its report belongs to.
    return openIncident(`INC-${item.report}`);
  }
  return openIncident(item.id);
}

function list(values) {
  return (values ?? []).length ? values.map(escapeHtml).join(", ") : `<span class="muted">none</span>`;
}

function claimsHtml(claims) {
  if (!claims?.length) return `<p class="muted">No party has made a claim about it.</p>`;
  return `<div class="claims">${claims.map((c) => `<div class="claim ${escapeHtml(c.stance)}">
      <strong>${escapeHtml(c.party)}</strong> <span class="muted">${escapeHtml(c.stance)}${c.kind ? ` (${escapeHtml(c.kind)})` : ""}${c.about ? `, about ${escapeHtml(c.about)}` : ""}</span><br>
      ${escapeHtml(c.text ?? "")}<br><span class="muted">${escapeHtml(c.made_at ?? "")}${c.source ? ` · ${escapeHtml(c.source)}` : ""}</span></div>`).join("")}</div>`;
}

// The air-ground evidence of an incident's strike reports: the aircraft tracks that came near
// (the public reads them without the aircraft's identity) and, per report, what the position
// data could see, since no track seen is not evidence that no aircraft flew.
function trackEvidenceHtml(i) {
  if (!i.coverage?.length) return "";
  const km = (m) => `${(m / 1000).toFixed(1)} km`;
  const aircraft = (t) => (t.icao24 ? `${escapeHtml(t.icao24)}${t.callsign ? ` (${escapeHtml(t.callsign)})` : ""}` : "an aircraft (identity withheld)");
  const links = (i.tracks ?? []).map((t) => `<li data-report="${escapeHtml(t.report)}">${aircraft(t)} at ${escapeHtml(t.time)}, ${t.distance_m > 0 ? `${km(t.distance_m)} from the disc of` : "over"} ${escapeHtml(t.report)}${t.altitude_m != null ? `, ${Math.round(t.altitude_m)} m up` : ""} <span class="muted">(${t.positions} fix${t.positions === 1 ? "" : "es"} near)</span></li>`).join("");
  const coverage = i.coverage.map((c) => `<li data-report="${escapeHtml(c.report)}"><strong>${escapeHtml(c.report)}</strong>: ${escapeHtml(c.statement)}</li>`).join("");
  return `<section class="track-evidence"><h4>Aircraft tracks near the strike</h4>
    ${links ? `<ul class="track-links">${links}</ul>` : `<p class="muted">No aircraft track came near.</p>`}
    <p class="muted">Evidence, not a verdict: an aircraft nearby did not necessarily strike.</p>
    <h4>Coverage</h4><ul class="coverage">${coverage}</ul></section>`;
}

async function openIncident(id) {
  const panel = $("panel");
  panel.hidden = false;
  $("panel-body").innerHTML = `<p class="muted">loading ${escapeHtml(id)}…</p>`;
  delete panel.dataset.proof;
  for (const row of $("list").tBodies[0].rows) row.classList.toggle("selected", row.dataset.id === id || row.dataset.id === id.replace(/^INC-/, ""));
  let i;
  try {
    i = await api(`/api/v1/incidents/${encodeURIComponent(id)}`);
  } catch (e) {
    $("panel-body").innerHTML = `<p>${escapeHtml(id)}: ${escapeHtml(e.message)}</p>`;
    panel.dataset.proof = "none";
    return;
  }
  state.selected = i;
  panel.dataset.incident = i.id;
  const raw = "sources" in i;
  const zones = (i.violations ?? []).map((v) => `<li><span class="swatch" style="background:${zoneColour(v.zone)}"></span>${escapeHtml(v.zone)} v${v.version}: ${escapeHtml(v.rule)}, ${escapeHtml(v.verdict)}${v.clause ? ` <span class="muted">(${escapeHtml(v.clause)})</span>` : ""}${v.parties?.length ? `<br><span class="muted">binds ${list(v.parties)}</span>` : ""}</li>`).join("");
  $("panel-body").innerHTML = `
    <h3>${escapeHtml(i.id)} <span class="grade grade-${escapeHtml(i.grade)}">${escapeHtml(i.grade)}</span></h3>
    <dl>
      <dt>when</dt><dd>${escapeHtml(i.time_begin)} → ${escapeHtml(i.time_end)}</dd>
      <dt>what</dt><dd>${escapeHtml(i.event_type)}${i.sub_event_type ? `: ${escapeHtml(i.sub_event_type)}` : ""}${i.fatalities != null ? `; ${i.fatalities} killed` : ""}</dd>
      <dt>where</dt><dd>${i.latitude.toFixed(4)}, ${i.longitude.toFixed(4)} ± ${Math.round(i.radius_m / 100) / 10} km</dd>
      <dt>reports</dt><dd>${list(i.reports)} <span class="muted">(${i.independent_groups} independent group${i.independent_groups === 1 ? "" : "s"})</span></dd>
      <dt>parties</dt><dd>${list(i.alleged_parties)}</dd>
      ${raw ? `<dt>sources</dt><dd>${list(i.sources)}</dd><dt>groups</dt><dd>${list(i.groups)}</dd>` : ""}
      ${raw && i.accused?.length ? `<dt>accused</dt><dd>${list(i.accused)}</dd>` : ""}
    </dl>
    <h4>Why ${escapeHtml(i.grade)}</h4><p>${escapeHtml(i.reason)}</p>
    <h4>Zone versions and clauses</h4>${zones ? `<ul>${zones}</ul>` : `<p class="muted">Outside every zone in force.</p>`}
    ${raw ? `<h4>Claims, side by side</h4>${claimsHtml(i.claims)}` : `<p class="muted">Sources and claims need a staff token.</p>`}
    ${trackEvidenceHtml(i)}
    ${raw && i.decisions?.length ? `<h4>Analysts' decisions</h4><ul>${i.decisions.map((d) => `<li>${escapeHtml(d.action)} by ${escapeHtml(d.by)} at ${escapeHtml(d.at)}: ${escapeHtml(d.reason)}</li>`).join("")}</ul>` : ""}
    ${raw && i.notes ? `<h4>Notes (anchor report)</h4><p>${escapeHtml(i.notes)}</p>` : ""}
    <h4>Transparency log</h4><div id="proof" class="proof none">checking…</div>`;
  // Centred in the part of the map the panel leaves free.
  const zoom = Math.max(map.getZoom(), CLUSTER_BELOW_ZOOM);
  const centre = map.unproject(map.project([i.latitude, i.longitude], zoom).subtract([250, 0]), zoom);
  map.setView(centre, zoom, { animate: false });
  await showProof(i);
}

// Checks, here in the browser, that the entry publishing the incident (or, unpublished, the
// entry of its anchor report) is in the log under a tree head the log's key signed.
async function showProof(i) {
  const box = $("proof");
  const entry = i.log_entry ?? i.report_entries?.[0]?.entry;
  const what = i.log_entry != null ? "its publication" : "its first report";
  if (entry == null) {
    box.textContent = "Not published: no log entry to check.";
    $("panel").dataset.proof = "none";
    return;
  }
  try {
    const head = await api("/api/v1/log/head");
    const proof = await api(`/api/v1/log/inclusion?index=${entry}&tree_size=${head.tree_size}`);
    const signed = await verifyHeadSignature(head);
    const included = await verifyInclusion(proof.index, head.tree_size, proof.leaf_hash, proof.proof, head.root_hash);
    // Staff may read the entry itself: then the leaf hash is recomputed from its data too.
    let leaf = "";
    if (state.role === "staff") {
      const page = await api(`/api/v1/log/entries?from=${entry}&limit=1`).catch(() => null);
      const data = page?.items?.[0]?.data;
      if (typeof data === "string") leaf = (await leafHash(data)) === proof.leaf_hash ? "leaf recomputed from the entry's data; " : "LEAF HASH DOES NOT MATCH THE ENTRY'S DATA; ";
    }
    const ok = signed.ok && included.ok && !leaf.startsWith("LEAF");
    box.className = `proof ${ok ? "ok" : "bad"}`;
    box.innerHTML = ok
      ? `✔ Verified in this browser: ${what} is entry ${entry}, included in the tree of ${head.tree_size} entries whose head the log's key signed at ${escapeHtml(head.timestamp)} (${leaf}${proof.proof.length} hashes, root ${escapeHtml(head.root_hash.slice(0, 16))}…).`
      : `✘ Not verified: ${escapeHtml([signed.ok ? "" : signed.why, included.ok ? "" : included.why, leaf].filter(Boolean).join("; "))}`;
    $("panel").dataset.proof = ok ? "verified" : "failed";
  } catch (e) {
    box.className = "proof bad";
    box.textContent = `✘ Could not check: ${e.message}`;
    $("panel").dataset.proof = "failed";
  }
}

// --- Layer modules ------------------------------------------------------------------------------

// A layer module registers { id, label, refresh(ctx), clear?() }; refresh is called with the
// context of every refresh (and at once when the dashboard already has one). ctx = { day,
// from, to, role, map, api, apiAll, L }. See docs/dashboard.md.
const layers = [];
let lastContext = null;
const layerControl = L.control.layers(null, null, { collapsed: false, position: "topright" });
function registerLayer(layer) {
  if (!layer?.id || typeof layer.refresh !== "function") throw new Error("registerLayer needs { id, refresh(ctx) }");
  layers.push(layer);
  // A layer with a Leaflet group gets a switch in the map's layer control.
  if (layer.group) {
    layer.group.addTo(map);
    if (!layers.some((l) => l !== layer && l.group)) layerControl.addTo(map);
    layerControl.addOverlay(layer.group, layer.label ?? layer.id);
  }
  if (lastContext) Promise.resolve(layer.refresh(lastContext)).catch((e) => console.warn(`layer ${layer.id}: ${e.message}`));
}
window.truce = { registerLayer, layers, map, api, apiAll, ogcAll, state, escapeHtml, openIncident };

// --- Refresh ------------------------------------------------------------------------------------

let pending = 0;
async function refresh() {
  const day = $("date").value;
  const ticket = ++pending;
  $("status").textContent = `loading ${day}…`;
  delete document.body.dataset.ready;
  try {
    await Promise.all([drawZones(day).then((inForce) => drawSummary(day, inForce)), loadList(), drawLog()]);
    if (ticket !== pending) return;
    drawList();
    const { from, to } = listWindow();
    lastContext = { day, from, to, role: state.role, collections: state.collections, map, api, apiAll, ogcAll, L };
    await Promise.all(layers.map((l) => Promise.resolve(l.refresh(lastContext)).catch((e) => console.warn(`layer ${l.id}: ${e.message}`))));
    if (ticket !== pending) return;
    $("status").textContent = state.list === "alerts"
      ? `${day}: ${state.items.length} alerts listed, the map's window ${from} to ${isoDay(dayMs(to) - DAY_MS)}, seen as ${state.role}`
      : `${day}: ${state.items.length} ${state.list} listed (${from} to ${isoDay(dayMs(to) - DAY_MS)}), seen as ${state.role}`;
    document.body.dataset.ready = day;
  } catch (e) {
    if (ticket !== pending) return;
    $("status").textContent = `error: ${e.message}`;
    document.body.dataset.ready = "error";
  }
}

function sliderDay() { return isoDay(dayMs(state.span.first) + Number($("slider").value) * DAY_MS); }

function setDay(day, fromSlider = false) {
  const clamped = day < state.span.first ? state.span.first : day > state.span.last ? state.span.last : day;
  $("date").value = clamped;
  if (!fromSlider) $("slider").value = Math.round((dayMs(clamped) - dayMs(state.span.first)) / DAY_MS);
  history.replaceState(null, "", `?date=${clamped}`);
  return refresh();
}

// The scenario's life from its data: from the earliest zone version or incident to the last
// day any zone version starts or ends or any incident happened (an open-ended last version
// ends the span at its start, or at the last incident if later).
async function loadSpan(zoneVersions) {
  const incidents = await api("/ogc/collections/incidents");
  const days = [];
  for (const f of zoneVersions) {
    const p = f.properties;
    if (p.valid_from) days.push(p.valid_from.slice(0, 10));
    // valid_to is exclusive: the last day in force is the day before it.
    if (p.valid_to) days.push(isoDay(Date.parse(p.valid_to) - 1));
  }
  for (const t of incidents.extent?.temporal?.interval?.[0] ?? []) if (t) days.push(t.slice(0, 10));
  if (!days.length) throw new Error("the server has no scenario loaded");
  days.sort();
  state.span.first = days[0];
  state.span.last = days[days.length - 1];
  const slider = $("slider");
  slider.max = Math.round((dayMs(state.span.last) - dayMs(state.span.first)) / DAY_MS);
  for (const input of [$("date"), $("f-from"), $("f-to")]) { input.min = state.span.first; input.max = state.span.last; }
  $("span").textContent = `${state.span.first} – ${state.span.last}`;
}

async function signIn(value) {
  // Not ready until the refresh that follows: what is shown depends on the role.
  delete document.body.dataset.ready;
  stopAlertStream();  // what the stream carries depends on the role
  if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
  $("token").value = "";
  state.role = "public";
  state.collections = new Set();
  // The role a token carries shows in the feature collections it may read (/ogc/collections
  // lists only those; the API answers 401 for a bad token): insiders read violations; staff and
  // guarantors read the log's entries, and the positions (flight tracks). Asking this way
  // provokes no 403.
  try {
    const readable = await api("/ogc/collections");
    state.collections = new Set(readable.collections.map((c) => c.id));
    if (token() && state.collections.has("violations")) {
      state.role = state.collections.has("flight-tracks") ? "staff" : "party or humanitarian";
    }
  } catch (e) {
    if (e.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      $("status").textContent = `sign-in failed: ${e.message}`;
      state.collections = new Set((await api("/ogc/collections")).collections.map((c) => c.id));
    }
  }
  const insider = state.role !== "public";
  $("role").textContent = insider ? `signed in (${state.role})` : "public";
  $("signout").hidden = !insider;
  $("token").hidden = insider;
  $("signin-button").hidden = insider;
  const violationsTab = document.querySelector('[data-list="violations"]');
  violationsTab.disabled = !insider;
  violationsTab.title = insider ? "" : "violations need a staff, party or humanitarian token";
  if (!insider && state.list === "violations") selectList("incidents", false);
}

const HEADERS = {
  incidents: ["date", "id", "type", "zone", "grade"],
  violations: ["date", "report", "type", "zone", "verdict"],
  alerts: ["received", "alert", "kind", "zone", "verdict"],
};

function selectList(name, reload = true) {
  if (state.list !== name) state.sort = name === "alerts" ? { key: "id", dir: -1 } : { key: "date", dir: -1 };
  state.list = name;
  document.body.dataset.list = name;
  for (const b of $("tabs").querySelectorAll("button")) b.setAttribute("aria-selected", String(b.dataset.list === name));
  $("list-title").textContent = { violations: "Violations", alerts: "Alerts" }[name] ?? "Incidents";
  [...$("list").tHead.rows[0].cells].forEach((th, i) => { th.textContent = HEADERS[name][i]; });
  if (name !== "alerts") stopAlertStream();
  if (reload) refresh();
}

async function main() {
  $("signin").addEventListener("submit", async (e) => {
    e.preventDefault();
    await signIn($("token").value.trim());
    refresh();
  });
  $("signout").addEventListener("click", async () => { await signIn(""); refresh(); });
  $("date").addEventListener("change", () => setDay($("date").value));
  $("slider").addEventListener("input", () => setDay(sliderDay(), true));
  $("f-kind").addEventListener("change", () => { stopAlertStream(); refresh(); });
  document.body.dataset.list = state.list;
  for (const id of ["f-period", "f-from", "f-to", "f-zone", "f-type", "f-party", "f-grade", "f-verdict"]) {
    $(id).addEventListener("change", () => {
      if ((id === "f-from" || id === "f-to") && $("f-period").value !== "range") $("f-period").value = "range";
      // A range's last day becomes the day shown: its zones are the ones drawn.
      if (id === "f-to" && $("f-to").value) return setDay($("f-to").value);
      refresh();
    });
  }
  for (const b of $("tabs").querySelectorAll("button")) b.addEventListener("click", () => !b.disabled && selectList(b.dataset.list));
  for (const th of $("list").tHead.rows[0].cells) {
    th.addEventListener("click", () => {
      state.sort = { key: th.dataset.sort, dir: state.sort.key === th.dataset.sort ? -state.sort.dir : (th.dataset.sort === "date" ? -1 : 1) };
      drawList();
    });
  }
  $("panel-close").addEventListener("click", () => { $("panel").hidden = true; });

  await drawBaseMap();
  try {
    const s = await api("/api/v1/scenario");
    $("scenario-name").textContent = s.bundle?.scenario?.name ?? s.scenario_id ?? "";
    // Every zone any version of the scenario defines, as filter choices.
    const all = await api("/api/v1/zones");
    for (const f of all.features ?? []) {
      const { zone, name } = f.properties;
      if (![...$("f-zone").options].some((o) => o.value === zone)) $("f-zone").add(new Option(name || zone, zone));
    }
    await loadSpan(all.features ?? []);
  } catch (e) {
    $("scenario-name").textContent = `no scenario: ${e.message}`;
    $("status").textContent = `error: ${e.message}`;
    document.body.dataset.ready = "error";
    return;
  }
  await signIn(token());
  const requested = new URLSearchParams(location.search).get("date");
  // Without a requested day, the last day of the record: the whole record is listed.
  await setDay(/^\d{4}-\d{2}-\d{2}$/.test(requested ?? "") ? requested : state.span.last);
}

main();
