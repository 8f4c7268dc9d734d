#include "formats/daily_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "formats/records.h"

namespace truce::formats {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string Change(int n) {
  if (n == 0) return "<span class=\"same\">&#177;0</span>";
  return n > 0 ? fmt::format("<span class=\"up\">+{}</span>", n)
               : fmt::format("<span class=\"down\">&#8722;{}</span>", -n);
}

// One table of counts: each key's day, the day before, the change, and the same for the week.
std::string CountsTable(const char* what, const std::map<std::string, CountChange>& day,
                        const std::map<std::string, CountChange>& week) {
  std::set<std::string> keys;
  for (const auto& [k, c] : day) keys.insert(k);
  for (const auto& [k, c] : week) keys.insert(k);
  std::string rows;
  for (const std::string& k : keys) {
    const CountChange d = day.contains(k) ? day.at(k) : CountChange{};
    const CountChange w = week.contains(k) ? week.at(k) : CountChange{};
    if (d.current == 0 && d.previous == 0 && w.current == 0 && w.previous == 0) continue;
    rows += fmt::format(
        "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
        EscapeHtml(k), d.current, d.previous, Change(d.change()), w.current, w.previous,
        Change(w.change()));
  }
  if (rows.empty()) {
    rows = "<tr><td colspan=\"7\" class=\"muted\">none recorded in either period</td></tr>\n";
  }
  return fmt::format(
      "<table><thead><tr><th>{}</th><th class=\"n\">day</th><th class=\"n\">day before</th>"
      "<th class=\"n\">change</th><th class=\"n\">7 days</th><th class=\"n\">7 before</th>"
      "<th class=\"n\">change</th></tr></thead><tbody>\n{}</tbody></table>\n",
      what, rows);
}

// Minutes to one decimal, and a change of minutes coloured as Change() colours counts.
std::string Minutes(std::chrono::milliseconds ms) {
  return fmt::format("{:.1f}", std::round(static_cast<double>(ms.count()) / 6000.0) / 10.0);
}
std::string MinutesChange(std::chrono::milliseconds ms) {
  const double m = std::round(static_cast<double>(ms.count()) / 6000.0) / 10.0;
  if (m == 0) return "<span class=\"same\">&#177;0.0</span>";
  return m > 0 ? fmt::format("<span class=\"up\">+{:.1f}</span>", m)
               : fmt::format("<span class=\"down\">&#8722;{:.1f}</span>", -m);
}

// The flight ban: aircraft violations that began in the zone, and their minutes inside, for the
// day and the week against the periods before.
std::string FlightBanHtml(const FlightBanSummary& d, const FlightBanSummary& w) {
  std::string out = fmt::format(
      "<p>{} aircraft violation(s) of the no-fly rule began that day ({} the day before, {}), "
      "{} minute(s) inside the zone; {} over the 7 days ({} the 7 before).</p>\n",
      d.flights.current, d.flights.previous, Change(d.flights.change()), Minutes(d.inside.current),
      w.flights.current, w.flights.previous);
  out += fmt::format(
      "<table><thead><tr><th>flight ban</th><th class=\"n\">day</th><th class=\"n\">day "
      "before</th><th class=\"n\">change</th><th class=\"n\">7 days</th><th class=\"n\">7 "
      "before</th><th class=\"n\">change</th></tr></thead><tbody>\n"
      "<tr><td>aircraft violations</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
      "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
      "<td class=\"n\">{}</td></tr>\n"
      "<tr><td>minutes inside</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
      "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
      "<td class=\"n\">{}</td></tr>\n</tbody></table>\n",
      d.flights.current, d.flights.previous, Change(d.flights.change()), w.flights.current,
      w.flights.previous, Change(w.flights.change()), Minutes(d.inside.current),
      Minutes(d.inside.previous), MinutesChange(d.inside.change()), Minutes(w.inside.current),
      Minutes(w.inside.previous), MinutesChange(w.inside.change()));
  return out;
}

// Horizontal bars of the day's and the previous day's counts per key.
std::string BarChart(const std::map<std::string, CountChange>& counts) {
  std::vector<std::pair<std::string, CountChange>> bars;
  int top = 1;
  for (const auto& [k, c] : counts) {
    if (c.current == 0 && c.previous == 0) continue;
    bars.emplace_back(k, c);
    top = std::max({top, c.current, c.previous});
  }
  if (bars.empty()) return "";
  const int row = 22, label = 200, width = 260;
  std::string svg = fmt::format(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "role=\"img\" aria-label=\"bar chart\">\n",
      label + width + 130, row * static_cast<int>(bars.size()) + 8);
  for (size_t i = 0; i < bars.size(); ++i) {
    const int y = 4 + row * static_cast<int>(i);
    const auto& [k, c] = bars[i];
    svg += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\">{}</text>"
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"8\" fill=\"#b3261e\"/>"
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"6\" fill=\"#9aa5b1\"/>"
        "<text x=\"{}\" y=\"{}\" font-size=\"10\">{} ({} before)</text>\n",
        label - 6, y + 11, EscapeHtml(k), label, y, c.current * width / top, label, y + 9,
        c.previous * width / top, label + c.current * width / top + 4, y + 8, c.current,
        c.previous);
  }
  return svg + "</svg>\n";
}

// Columns of the week's daily counts.
std::string DailyChart(const std::map<std::string, int>& daily) {
  if (daily.empty()) return "";
  int top = 1;
  for (const auto& [d, n] : daily) top = std::max(top, n);
  const int col = 56, height = 80;
  std::string svg = fmt::format(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "role=\"img\" aria-label=\"reports per day\">\n",
      col * static_cast<int>(daily.size()) + 10, height + 30);
  int i = 0;
  for (const auto& [d, n] : daily) {
    const int h = n * height / top, x = 5 + col * i++;
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#17324d\"/>"
        "<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>"
        "<text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\">{}</text>\n",
        x + 6, height - h + 12, col - 12, h, x + col / 2, height - h + 9, n, x + col / 2,
        height + 24, d.substr(5));
  }
  return svg + "</svg>\n";
}

// The zone's outline and the day's incidents, equirectangular with the longitude scaled by
// the cosine of the middle latitude, so shapes keep their proportions.
std::string MapSvg(const json& feature, const std::vector<json>& incidents) {
  std::vector<std::vector<std::pair<double, double>>> rings;  // (lng, lat)
  if (feature.is_object() && feature.contains("geometry")) {
    const json& g = feature["geometry"];
    const auto add_polygon = [&](const json& polygon) {
      for (const json& ring : polygon) {
        rings.emplace_back();
        for (const json& p : ring)
          rings.back().emplace_back(p[0].get<double>(), p[1].get<double>());
      }
    };
    if (g.value("type", "") == "Polygon") add_polygon(g["coordinates"]);
    if (g.value("type", "") == "MultiPolygon") {
      for (const json& polygon : g["coordinates"]) add_polygon(polygon);
    }
  }
  double lng_lo = 180, lng_hi = -180, lat_lo = 90, lat_hi = -90;
  const auto extend = [&](double lng, double lat) {
    lng_lo = std::min(lng_lo, lng);
    lng_hi = std::max(lng_hi, lng);
    lat_lo = std::min(lat_lo, lat);
    lat_hi = std::max(lat_hi, lat);
  };
  for (const auto& ring : rings) {
    for (const auto& [lng, lat] : ring) extend(lng, lat);
  }
  for (const json& i : incidents) {
    // The whole precision disc, so that it is drawn, not cut.
    const double lat = i.value("latitude", 0.0), lng = i.value("longitude", 0.0);
    const double dlat = i.value("radius_m", 0.0) / 111320.0;
    const double dlng = dlat / std::max(0.1, std::cos(lat * M_PI / 180));
    extend(lng - dlng, lat - dlat);
    extend(lng + dlng, lat + dlat);
  }
  if (lng_lo > lng_hi) return "<p class=\"muted\">Nothing to draw: the zone was not in force.</p>";
  const double pad = 0.02 + 0.04 * std::max(lng_hi - lng_lo, lat_hi - lat_lo);
  lng_lo -= pad, lng_hi += pad, lat_lo -= pad, lat_hi += pad;
  const double k = std::cos((lat_lo + lat_hi) / 2 * M_PI / 180);
  const double width = 640;
  const double scale = width / ((lng_hi - lng_lo) * k);
  const double height = std::min(520.0, (lat_hi - lat_lo) * scale);
  const double s = std::min(scale, height / (lat_hi - lat_lo));
  const auto x = [&](double lng) { return (lng - lng_lo) * k * s; };
  const auto y = [&](double lat) { return (lat_hi - lat) * s; };
  std::string svg = fmt::format(
      "<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\" "
      "role=\"img\" aria-label=\"map of the day\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"#f4efe4\"/>\n",
      (lng_hi - lng_lo) * k * s, (lat_hi - lat_lo) * s);
  std::string path;
  for (const auto& ring : rings) {
    for (size_t i = 0; i < ring.size(); ++i) {
      path += fmt::format("{}{:.1f},{:.1f}", i ? " L" : "M", x(ring[i].first), y(ring[i].second));
    }
    path += " Z ";
  }
  if (!path.empty()) {
    svg += fmt::format(
        "<path d=\"{}\" fill=\"#1f77b4\" fill-opacity=\"0.15\" stroke=\"#1f77b4\" "
        "stroke-width=\"1.5\" fill-rule=\"evenodd\"/>\n",
        path);
  }
  for (const json& i : incidents) {
    const double cx = x(i.value("longitude", 0.0)), cy = y(i.value("latitude", 0.0));
    const double r = std::max(3.0, i.value("radius_m", 0.0) / 1000 / 111.32 * s);
    svg += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:.1f}\" fill=\"#b3261e\" fill-opacity=\"0.18\" "
        "stroke=\"#b3261e\" stroke-width=\"0.8\"/><circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" "
        "fill=\"#b3261e\"/><text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\">{}</text>\n",
        cx, cy, r, cx, cy, cx + 5, cy - 4, EscapeHtml(Str(i, "id")));
  }
  svg += fmt::format(
      "<text x=\"6\" y=\"{:.0f}\" font-size=\"9\" fill=\"#667\">{:.2f}&#176;E&#8211;{:.2f}&#176;E, "
      "{:.2f}&#176;N&#8211;{:.2f}&#176;N; discs: the reported precision</text>\n",
      (lat_hi - lat_lo) * s - 6, lng_lo, lng_hi, lat_lo, lat_hi);
  return svg + "</svg>\n";
}

std::string IncidentsHtml(const std::vector<json>& incidents) {
  if (incidents.empty())
    return "<p class=\"muted\">No incident recorded in the zone that day.</p>\n";
  std::string out = "<ol class=\"incidents\">\n";
  for (const json& i : incidents) {
    std::string where =
        fmt::format("{:.4f}, {:.4f}", i.value("latitude", 0.0), i.value("longitude", 0.0));
    std::string fatalities;
    if (i.contains("fatalities") && i["fatalities"].is_number()) {
      fatalities = fmt::format("; {} killed", i["fatalities"].get<int>());
    }
    std::string parties;
    if (i.contains("alleged_parties") && !i["alleged_parties"].empty()) {
      std::vector<std::string> names;
      for (const json& p : i["alleged_parties"]) names.push_back(EscapeHtml(p.get<std::string>()));
      parties = fmt::format("; alleged: {}", fmt::join(names, ", "));
    }
    out += fmt::format(
        "<li><strong>{}</strong> <span class=\"grade\">{}</span> {}{}{}<br>{}{}<br>"
        "<span class=\"muted\">{} &#8211; {}, at {} &#177; {:.1f} km; {} report(s), {} "
        "independent group(s)</span></li>\n",
        EscapeHtml(Str(i, "id")), EscapeHtml(Str(i, "grade")), EscapeHtml(Str(i, "event_type")),
        Str(i, "sub_event_type").empty() ? "" : ": " + EscapeHtml(Str(i, "sub_event_type")),
        fatalities + parties, EscapeHtml(Str(i, "reason")),
        Str(i, "notes").empty() ? "" : "<br><em>" + EscapeHtml(Str(i, "notes")) + "</em>",
        EscapeHtml(Str(i, "time_begin")), EscapeHtml(Str(i, "time_end")), where,
        i.value("radius_m", 0.0) / 1000, i.contains("reports") ? i["reports"].size() : 0,
        i.value("independent_groups", 0));
  }
  return out + "</ol>\n";
}

constexpr std::string_view kStyle =
    R"(body{font:13px/1.45 "DejaVu Sans",system-ui,sans-serif;color:#1d2327;margin:24px 32px;max-width:900px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;border-bottom:1px solid #ccd;margin:18px 0 6px;padding-bottom:2px}
table{border-collapse:collapse;margin:4px 0}td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #e3e6ea}
.n{text-align:right}.muted{color:#667}.up{color:#b3261e}.down{color:#1b7f3b}.same{color:#667}
.grade{background:#e8edf2;border-radius:3px;padding:0 4px;font-size:11px}.mono{font-family:"DejaVu Sans Mono",monospace;font-size:10px;word-break:break-all}
.incidents li{margin:4px 0}.chart,.map{display:block;margin:6px 0}@page{size:A4;margin:14mm}
)";

}  // namespace

std::string DailyReportToHtml(const DailyReportData& r) {
  const std::string day = FormatUtcDate(r.day);
  const json& props = r.zone_version.is_object() ? r.zone_version["properties"] : json::object();
  const std::string zone_name =
      props.is_object() && !Str(props, "name").empty() ? Str(props, "name") : r.zone;
  std::string version;
  if (props.is_object() && props.contains("version")) {
    std::vector<std::string> rules;
    for (const json& rule : props.value("rules", json::array())) {
      rules.push_back(
          EscapeHtml(Str(rule, "kind")) +
          (Str(rule, "clause").empty() ? "" : " (clause " + EscapeHtml(Str(rule, "clause")) + ")"));
    }
    version = fmt::format(
        "Zone version {} in force {} &#8594; {}; rules: {}.{}", props["version"].dump(),
        EscapeHtml(Str(props, "valid_from")),
        Str(props, "valid_to").empty() ? "open" : EscapeHtml(Str(props, "valid_to")),
        fmt::join(rules, ", "),
        Str(props, "source").empty() ? ""
                                     : " Source: " + EscapeHtml(Str(props, "source")) +
                                           (Str(props, "source").ends_with(".") ? "" : "."));
  } else {
    version = "The zone was not in force that day.";
  }
  const ZoneSummary& d = r.day_summary;
  const ZoneSummary& w = r.week_summary;
  const auto humanitarian = [](const ZoneSummary& z) {
    const auto it = z.by_rule.find("humanitarian_access");
    return it == z.by_rule.end() ? CountChange{} : it->second;
  };
  std::string out = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += fmt::format("<title>Daily report: {}, {}</title>\n<style>\n{}</style>\n</head>\n<body>\n",
                     EscapeHtml(zone_name), day, kStyle);
  out += fmt::format(
      "<h1>Daily report: {}, {}</h1>\n<p class=\"muted\">{} &#183; zone <code>{}</code> &#183; "
      "as of {} &#183; made for the {} role: {}</p>\n<p>{}</p>\n",
      EscapeHtml(zone_name), day, EscapeHtml(r.scenario), EscapeHtml(r.zone),
      FormatUtcTime(r.as_of), EscapeHtml(r.role),
      r.role == "public" ? "published incidents only, without sources"
                         : "every incident, with its sources",
      version);
  out += fmt::format(
      "<h2>Summary</h2>\n<p>{} violating report(s) that day ({} the day before, {}); {} "
      "inside the zone beyond doubt. Over the 7 days to the day: {} ({} the 7 days before, "
      "{}).</p>\n",
      d.reports.current, d.reports.previous, Change(d.reports.change()), d.inside.current,
      w.reports.current, w.reports.previous, Change(w.reports.change()));
  out += "<h2>Violations by type</h2>\n" +
         CountsTable("event type", d.by_event_type, w.by_event_type) + BarChart(d.by_event_type);
  out += "<h2>Violations by party</h2>\n" + CountsTable("party", d.by_actor, w.by_actor) +
         BarChart(d.by_actor);
  out += "<h2>Violations by rule</h2>\n" + CountsTable("rule", d.by_rule, w.by_rule);
  const CountChange hd = humanitarian(d), hw = humanitarian(w);
  out += fmt::format(
      "<h2>Humanitarian access</h2>\n<p>{} report(s) breaching the zone's humanitarian-access "
      "rule that day ({} the day before); {} over the 7 days ({} the 7 before).</p>\n",
      hd.current, hd.previous, hw.current, hw.previous);
  out += "<h2>Flight ban</h2>\n" + FlightBanHtml(d.flight_ban, w.flight_ban);
  // Every day of the week, those without a report too.
  std::map<std::string, int> week_days;
  for (int k = 6; k >= 0; --k) week_days[FormatUtcDate(r.day - std::chrono::days(k))] = 0;
  for (const auto& [d, n] : w.daily) week_days[d] = n;
  out += "<h2>Reports per day, the last 7 days</h2>\n" + DailyChart(week_days);
  out += "<h2>Notable incidents</h2>\n" + IncidentsHtml(r.incidents);
  out += "<h2>Map of the day</h2>\n" + MapSvg(r.zone_version, r.incidents);
  out += fmt::format(
      "<h2>Made from the transparency log</h2>\n<p>This report was computed from the log's "
      "first {} entries, whose signed tree head is:</p>\n<p class=\"mono\">size {}<br>time {} "
      "({} ms)<br>root {}<br>signature {}<br>key {}</p>\n<p class=\"muted\">Check it with "
      "<code>truce verify --server URL</code> and the consistency proof to the current head; "
      "regenerate it with <code>truce report --as-of {}</code>.</p>\n</body>\n</html>\n",
      r.head.value("tree_size", 0), r.head.value("tree_size", 0),
      EscapeHtml(Str(r.head, "timestamp")), r.head.value("timestamp_ms", int64_t{0}),
      EscapeHtml(Str(r.head, "root_hash")), EscapeHtml(Str(r.head, "signature")),
      EscapeHtml(Str(r.head, "public_key")), FormatUtcTime(r.as_of));
  return out;
}

}  // namespace truce::formats
