// Flight tracks of the chosen window with their violating segments in red (docs/dashboard.md
// "Flight tracks"). Those who may read tracks (the flight-tracks collection: staff and
// guarantors) get every aircraft's track from /api/v1/flight-tracks, its violating segments
// drawn over it; everyone else gets the violating segments alone from the public
// flight-violations collection (without the aircraft's identity).
const { escapeHtml } = window.truce;  // and Leaflet, the global L

const TRACK = { color: "#1f5fa8", weight: 2, opacity: 0.8 };
const VIOLATING = { color: "#d62728", weight: 4.5, opacity: 0.95 };

const group = L.layerGroup();
const layer = {
  id: "tracks",
  label: `Flight tracks <span class="legend"><i style="background:${TRACK.color}"></i>track <i style="background:${VIOLATING.color}"></i>in a no-fly zone</span>`,
  group,
  drawn: { source: null, tracks: 0, segments: 0 },
  // Fetched afresh at every refresh: positions keep arriving.
  async refresh(ctx) {
    const tracks = ctx.collections.has("flight-tracks");
    // The window [from, to) as times: tracks and violations that overlap it.
    const from = `${ctx.from}T00:00:00Z`, to = `${ctx.to}T00:00:00Z`;
    const features = tracks
      ? await allTracks(ctx, `/api/v1/flight-tracks?from=${from}&to=${to}`)
      : ctx.collections.has("flight-violations")
        ? await ctx.ogcAll(`/ogc/collections/flight-violations/items?datetime=${from}/${to}`)
        : [];
    group.clearLayers();
    let drawnTracks = 0, segments = 0;
    // Tracks first, the red segments (`violating: true`) over them.
    for (const f of features.filter((f) => !f.properties.violating)) {
      L.geoJSON(f, { style: TRACK, pointToLayer: (_, at) => L.circleMarker(at, { ...TRACK, radius: 2 }) })
        .bindTooltip(trackLabel(f.properties), { sticky: true }).addTo(group);
      drawnTracks++;
    }
    for (const f of features.filter((f) => f.properties.violating)) {
      L.geoJSON(f, { style: VIOLATING, pointToLayer: (_, at) => L.circleMarker(at, { ...VIOLATING, radius: 4 }) })
        .bindTooltip(segmentLabel(f.properties), { sticky: true })
        .bindPopup(segmentPopup(f), { maxWidth: 360 }).addTo(group);
      segments++;
    }
    this.drawn = { source: tracks ? "flight-tracks" : "flight-violations", tracks: drawnTracks, segments, from, to };
  },
};

// Every page of /api/v1/flight-tracks (a GeoJSON FeatureCollection with a `next` cursor).
async function allTracks(ctx, path) {
  const out = [];
  let cursor = null;
  do {
    const page = await ctx.api(`${path}&limit=${window.TRUCE_PAGE_SIZE ?? 1000}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    out.push(...page.features);
    cursor = page.next;
  } while (cursor);
  return out;
}

function trackLabel(p) {
  return `${escapeHtml(p.icao24)} ${escapeHtml(p.callsign ?? "")} · ${escapeHtml(p.start)} → ${escapeHtml(p.end)} · ${p.positions} fixes${p.violating ? ` · <b class="up">${p.violations.length} violation${p.violations.length === 1 ? "" : "s"}</b>` : ""}`;
}

function segmentLabel(p) {
  const who = p.icao24 ? `${escapeHtml(p.icao24)} ${escapeHtml(p.callsign ?? "")} in ` : "";
  return `${who}${escapeHtml(p.zone)} v${escapeHtml(p.version)}: ${escapeHtml(p.entry_time)} → ${escapeHtml(p.exit_time ?? "still inside")} (${escapeHtml(p.verdict ?? "open")})`;
}

function segmentPopup(f) {
  const p = f.properties;
  const minutes = p.inside_s != null ? `${Math.round(p.inside_s / 6) / 10} min inside` : "";
  return `<h3>No-fly violation: ${escapeHtml(p.zone)} v${escapeHtml(p.version)}</h3>
    ${p.icao24 ? `<div>Aircraft ${escapeHtml(p.icao24)} ${escapeHtml(p.callsign ?? "")}</div>` : `<div class="muted">Aircraft identity needs a staff token.</div>`}
    <div>Entered ${escapeHtml(p.entry_time)} (${escapeHtml(p.entry_kind)}), ${p.open ? `still inside, last contact ${escapeHtml(p.last_contact)}` : `left ${escapeHtml(p.exit_time)} (${escapeHtml(p.exit_kind)})`}</div>
    <div>${escapeHtml(p.verdict ?? "open")}${minutes ? `, ${minutes}` : ""}${p.min_alt_m != null ? `, ${Math.round(p.min_alt_m)}–${Math.round(p.max_alt_m)} m` : ""}</div>
    ${p.clause ? `<div class="muted">${escapeHtml(p.clause)}</div>` : ""}`;
}

window.truce.registerLayer(layer);
