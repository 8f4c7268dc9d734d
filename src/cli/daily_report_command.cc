// truce report --db PATH --zone Z --day D --out FILE.html|FILE.pdf [--as-of T]
// [--role ROLE [--party ID]]: the daily report of a zone (formats/daily_report.h), the same
// page `GET /api/v1/report` serves, made from the database on this machine. A .pdf is the
// HTML printed by Chromium headless (`chromium`, or $TRUCE_CHROMIUM).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "command.h"
#include "local_app.h"

namespace truce::cli {
namespace {

struct DailyReportOptions {
  std::string db, zone, day, out, as_of, role = "public", party;
};

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  file.close();
  if (!file) return MakeError(ErrorCode::kIo, fmt::format("{}: cannot write", path));
  return Status::Ok();
}

// Prints `html_path` to `pdf_path` with Chromium headless.
Status PrintToPdf(const std::string& html_path, const std::string& pdf_path) {
  const char* env = std::getenv("TRUCE_CHROMIUM");
  const std::string chromium = env && *env ? env : "/usr/bin/chromium";
  if (!std::filesystem::exists(chromium)) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("{}: Chromium not found, which prints the PDF (install the "
                                 "Debian package chromium, set TRUCE_CHROMIUM, or write .html)",
                                 chromium));
  }
  const std::string url = "file://" + std::filesystem::absolute(html_path).string();
  const std::string print = "--print-to-pdf=" + pdf_path;
  std::vector<std::string> args = {chromium,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--no-pdf-header-footer",
                                   print,
                                   url};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return MakeError(ErrorCode::kIo, "cannot start Chromium (fork failed)");
  if (pid == 0) {
    // Chromium's own chatter is not the report's output.
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !std::filesystem::exists(pdf_path) ||
      std::filesystem::file_size(pdf_path) == 0) {
    return MakeError(ErrorCode::kIo, fmt::format("{}: Chromium did not print the PDF (status {})",
                                                 pdf_path, status));
  }
  return Status::Ok();
}

int Run(const DailyReportOptions& o) {
  app::DailyReportQuery query;
  query.zone = o.zone;
  auto day = ParseUtcTime(o.day);
  if (!day.ok() || *day != std::chrono::floor<std::chrono::days>(*day)) {
    return ReportError(MakeError(ErrorCode::kInvalidArgument,
                                 fmt::format("--day: expected a day YYYY-MM-DD, got '{}'", o.day)));
  }
  query.day = *day;
  if (!o.as_of.empty()) {
    auto t = ParseTimestamp(o.as_of);
    if (!t.ok()) {
      return ReportError(MakeError(
          ErrorCode::kInvalidArgument,
          fmt::format("--as-of: expected a UTC time such as 2024-05-01T12:00:00Z, got '{}'",
                      o.as_of)));
    }
    query.as_of = *t;
  }
  const bool pdf = o.out.ends_with(".pdf");
  if (!pdf && !o.out.ends_with(".html")) {
    return ReportError(
        MakeError(ErrorCode::kInvalidArgument,
                  fmt::format("--out: expected a .html or .pdf file, got '{}'", o.out)));
  }
  auto who = LocalPrincipal(o.role, o.party);
  if (!who.ok()) return ReportError(who.error());
  auto local = OpenLocalApp(o.db);
  if (!local.ok()) return ReportError(local.error());
  auto report = (*local)->app->DailyReport(*who, query);
  if (!report.ok()) return ReportError(report.error());
  const std::string html = formats::DailyReportToHtml(*report);
  if (!pdf) {
    if (Status st = WriteFile(o.out, html); !st.ok()) return ReportError(st.error());
  } else {
    const std::string tmp = o.out + ".html.tmp";
    if (Status st = WriteFile(tmp, html); !st.ok()) return ReportError(st.error());
    const Status printed = PrintToPdf(tmp, o.out);
    std::filesystem::remove(tmp);
    if (!printed.ok()) return ReportError(printed.error());
  }
  fmt::print(stderr, "{}: daily report of {} for {}, as of {} (log size {}), for the {} role\n",
             o.out, o.zone, o.day, FormatUtcTime(report->as_of), report->head.value("tree_size", 0),
             o.role);
  return kExitOk;
}

}  // namespace

void AddDailyReportCommand(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "report",
      "The daily report of a zone (HTML, or PDF printed by Chromium), as a role may read it");
  auto o = std::make_shared<DailyReportOptions>();
  cmd->add_option("--db", o->db, "The SQLite database `truce serve` keeps")->required();
  cmd->add_option("--zone", o->zone, "The zone id (eastern-ghouta, idlib, ...)")->required();
  cmd->add_option("--day", o->day, "The day, YYYY-MM-DD")->required();
  cmd->add_option("--out", o->out, "FILE.html or FILE.pdf")->required();
  cmd->add_option("--as-of", o->as_of,
                  "The log as it stood at this time (default: its current head); the same "
                  "--as-of gives the same bytes");
  cmd->add_option("--role", o->role, "Report what this role may read (default: public)");
  cmd->add_option("--party", o->party, "With --role party: the party it acts as");
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
