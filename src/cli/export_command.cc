// truce export --db PATH incidents|violations [--format csv|hxl|geojson] [--role ROLE
// [--party ID]] [--from T --to T --zone Z --type T --alleged PARTY --grade G --verdict V]
// [--out FILE]: the records the API's /api/v1/export gives that role, from a database on
// this machine. The public role by default: an export for publication holds what the public
// may read and nothing more (docs/server.md "What each role reads").
#include <fstream>
#include <tuple>

#include <fmt/format.h>

#include "command.h"
#include "local_app.h"

namespace truce::cli {
namespace {

struct ExportOptions {
  std::string db, what, format = "csv", role = "public", party, out;
  std::string from, to, zone, type, alleged, grade, verdict;
};

int Run(const ExportOptions& o) {
  app::ExportQuery query;
  query.record =
      o.what == "incidents" ? formats::ExportRecord::kIncident : formats::ExportRecord::kViolation;
  query.format = *formats::ParseExportFormat(o.format);
  app::EventFilter events;
  for (const auto& [text, out, name] :
       {std::tuple{&o.from, &events.from, "--from"}, std::tuple{&o.to, &events.to, "--to"}}) {
    if (text->empty()) continue;
    auto t = ParseUtcTime(*text);
    if (!t.ok()) {
      return ReportError(MakeError(
          ErrorCode::kInvalidArgument,
          fmt::format("{}: expected a day YYYY-MM-DD or a UTC time, got '{}'", name, *text)));
    }
    *out = *t;
  }
  events.zone = o.zone;
  events.type = o.type;
  events.party = o.alleged;
  static_cast<app::EventFilter&>(query.incidents) = events;
  static_cast<app::EventFilter&>(query.violations) = events;
  query.incidents.grade = o.grade;
  if (!o.verdict.empty()) {
    query.violations.verdict = o.verdict == "inside" ? Verdict::kInside : Verdict::kPossible;
  }
  auto who = LocalPrincipal(o.role, o.party);
  if (!who.ok()) return ReportError(who.error());
  auto local = OpenLocalApp(o.db);
  if (!local.ok()) return ReportError(local.error());
  auto doc = (*local)->app->Export(*who, query);
  if (!doc.ok()) return ReportError(doc.error());
  if (o.out.empty()) {
    fmt::print("{}", doc->body);
    return kExitOk;
  }
  std::ofstream file(o.out, std::ios::binary);
  file << doc->body;
  file.close();
  if (!file) {
    return ReportError(
        MakeError(ErrorCode::kIo, fmt::format("{}: cannot write the export", o.out)));
  }
  fmt::print(stderr, "{}: {} {} as {} ({})\n", o.out, doc->records, o.what, o.format, o.role);
  return kExitOk;
}

}  // namespace

void AddExportCommand(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Incidents or violations as CSV (ACLED columns), HXL-tagged CSV or GeoJSON, as a role "
      "may read them");
  auto o = std::make_shared<ExportOptions>();
  cmd->add_option("WHAT", o->what, "incidents or violations")
      ->required()
      ->check(CLI::IsMember({"incidents", "violations"}));
  cmd->add_option("--db", o->db, "The SQLite database `truce serve` keeps")->required();
  cmd->add_option("--format", o->format, "csv, hxl or geojson")
      ->check(CLI::IsMember({"csv", "hxl", "geojson"}));
  cmd->add_option("--role", o->role, "Export what this role may read (default: public)");
  cmd->add_option("--party", o->party, "With --role party: the party it acts as");
  cmd->add_option("--from", o->from, "Events overlapping from this day or time");
  cmd->add_option("--to", o->to, "... to this day or time (exclusive)");
  cmd->add_option("--zone", o->zone, "Only events in this zone");
  cmd->add_option("--type", o->type, "Only this ACLED event type");
  cmd->add_option("--alleged", o->alleged, "Only events naming this party");
  cmd->add_option("--grade", o->grade, "Incidents of this grade only");
  cmd->add_option("--verdict", o->verdict, "Violations with this verdict only")
      ->check(CLI::IsMember({"inside", "possible"}));
  cmd->add_option("--out", o->out, "Write here instead of standard output");
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
