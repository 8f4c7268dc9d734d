// truce: run and monitor ceasefire de-escalation zones. One file per subcommand.
#include <fmt/format.h>

#include "command.h"
#include "truce/text_policy.h"

namespace truce::cli {

int ReportError(const Error& error) {
  // Messages quote user text already bounded and escaped; this is the last line of defence
  // for the terminal: no raw control bytes, no endless lines, no endless lists.
  constexpr size_t kMaxLineChars = 2000;
  constexpr size_t kMaxProblems = 1000;
  fmt::print(stderr, "error: {}\n", EscapeControls(error.message, kMaxLineChars));
  size_t shown = 0;
  for (const Problem& problem : error.problems) {
    const std::string p = problem.ToString();
    if (p == error.message) continue;
    if (shown == kMaxProblems) {
      fmt::print(stderr, "  ... and {} more\n", error.problems.size() - shown);
      break;
    }
    fmt::print(stderr, "  {}\n", EscapeControls(p, kMaxLineChars));
    ++shown;
  }
  return kExitBadInput;
}

namespace {

int Main(int argc, char** argv) {
  CLI::App app{"truce: run and monitor ceasefire de-escalation zones", "truce"};
  app.set_version_flag("--version", std::string("truce ") + TRUCE_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);
  Action action;
  AddScenarioCommand(app, action);
  AddZonesCommand(app, action);
  AddLocateCommand(app, action);
  AddEvaluateCommand(app, action);
  AddSummaryCommand(app, action);
  AddFlightsCommand(app, action);
  AddDeconflictCommand(app, action);
  AddServeCommand(app, action);
  AddMonitorCommand(app, action);
  AddTokenCommand(app, action);
  AddVerifyCommand(app, action);
  AddBenchCommand(app, action);
  AddCorroborateCommand(app, action);
  AddExportCommand(app, action);
  AddDailyReportCommand(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (!action) {
    fmt::print(stderr, "{}", app.help());
    return kExitUsage;
  }
  return action();
}

}  // namespace
}  // namespace truce::cli

int main(int argc, char** argv) {
  try {
    return truce::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    // Nothing user-supplied should get here; say so rather than die silently.
    fmt::print(stderr, "internal error: {}\n", e.what());
    return 70;
  }
}
