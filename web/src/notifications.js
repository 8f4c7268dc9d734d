// Notified sites and movement routes (docs/dashboard.md "Notified sites and movements"), for
// the roles the policy lets read them (the sites and movements collections: staff, guarantors,
// the humanitarian cell, a party those it is told of); the public asks for nothing, so no
// site's place ever reaches its browser. Every read is logged by the server as a disclosure.
const { escapeHtml } = window.truce;  // and Leaflet, the global L

const SITE = { color: "#1b7f3b", weight: 2, fillColor: "#34a853", fillOpacity: 0.85 };
const ROUTE = { color: "#7b4fa0", weight: 3, opacity: 0.9, dashArray: "8 6" };

// Above the incidents' clusters, so that a site under 36 reports is still seen.
const map = window.truce.map;
map.createPane("notifications").style.zIndex = 650;
const SITE_PANE = { pane: "notifications" };

const group = L.layerGroup();
const layer = {
  id: "notifications",
  label: `Notified sites and movements <span class="legend"><i style="background:${SITE.color}"></i>site <i style="background:${ROUTE.color}"></i>route</span>`,
  group,
  drawn: { sites: 0, movements: 0 },
  key: null,
  async refresh(ctx) {
    const sites = ctx.collections.has("sites"), movements = ctx.collections.has("movements");
    const key = `${ctx.from}|${ctx.to}|${ctx.role}|${sites}|${movements}`;
    if (key === this.key) return;
    // Valid (sites) or under way (movements) in the window.
    const datetime = `${ctx.from}T00:00:00Z/${ctx.to}T00:00:00Z`;
    const [s, m] = await Promise.all([
      sites ? ctx.ogcAll(`/ogc/collections/sites/items?datetime=${datetime}`) : [],
      movements ? ctx.ogcAll(`/ogc/collections/movements/items?datetime=${datetime}`) : [],
    ]);
    group.clearLayers();
    for (const f of m) {
      L.geoJSON(f, { style: { ...ROUTE, ...SITE_PANE } }).bindTooltip(movementLabel(f.properties), { sticky: true })
        .bindPopup(movementPopup(f.properties), { maxWidth: 340 }).addTo(group);
    }
    for (const f of s) {
      // A point as a marker with a white ring; an area as a lightly filled outline.
      const point = f.geometry?.type === "Point";
      L.geoJSON(f, {
        style: point ? { ...SITE, radius: 6, color: "#fff" } : { ...SITE, fillOpacity: 0.25 },
        pointToLayer: (_, at) => L.circleMarker(at, SITE_PANE),
      }).bindTooltip(siteLabel(f.properties)).bindPopup(sitePopup(f.properties), { maxWidth: 340 }).addTo(group);
    }
    this.drawn = { sites: s.length, movements: m.length };
    this.key = key;
  },
};

function siteLabel(p) {
  return `${escapeHtml(p.id)} · ${escapeHtml(p.type)} · ${escapeHtml(p.organisation)}`;
}

function sitePopup(p) {
  return `<h3>Notified site ${escapeHtml(p.id)}</h3>
    <div>${escapeHtml(p.type)}, ${escapeHtml(p.organisation)}</div>
    <div>valid ${escapeHtml(p.valid_from)} → ${escapeHtml(p.valid_to || "open")}</div>
    ${p.audience?.length ? `<div class="muted">told to ${p.audience.map(escapeHtml).join(", ")}</div>` : ""}`;
}

function movementLabel(p) {
  return `${escapeHtml(p.id)} · ${escapeHtml(p.organisation)} · ${escapeHtml(p.window_start)} → ${escapeHtml(p.window_end)}`;
}

function movementPopup(p) {
  return `<h3>Notified movement ${escapeHtml(p.id)}</h3>
    <div>${escapeHtml(p.organisation)}${p.destination_zone ? ` to ${escapeHtml(p.destination_zone)}` : ""}</div>
    <div>${escapeHtml(p.window_start)} → ${escapeHtml(p.window_end)}</div>
    ${p.notice?.late ? `<div class="up">late notice</div>` : ""}
    ${p.audience?.length ? `<div class="muted">told to ${p.audience.map(escapeHtml).join(", ")}</div>` : ""}`;
}

window.truce.registerLayer(layer);
