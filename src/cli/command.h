// The CLI's shared plumbing: how subcommands register, how errors reach the user, exit codes.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "truce/result.h"

namespace truce::cli {

// Exit codes every command keeps (scripts rely on them).
inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 1;  // bad input or arguments that parsed but do not hold
inline constexpr int kExitUsage = 2;     // the command line itself is malformed

// A subcommand's action, run after the whole command line parsed.
using Action = std::function<int()>;

// Each Add*Command registers a subcommand on `app` and sets `action` when it is chosen.
void AddScenarioCommand(CLI::App& app, Action& action);
void AddZonesCommand(CLI::App& app, Action& action);
void AddLocateCommand(CLI::App& app, Action& action);
void AddEvaluateCommand(CLI::App& app, Action& action);
void AddSummaryCommand(CLI::App& app, Action& action);
void AddFlightsCommand(CLI::App& app, Action& action);
void AddDeconflictCommand(CLI::App& app, Action& action);
void AddServeCommand(CLI::App& app, Action& action);
// `truce monitor`: a flight worker (docs/deployment.md "Message bus and workers").
void AddMonitorCommand(CLI::App& app, Action& action);
void AddTokenCommand(CLI::App& app, Action& action);
void AddVerifyCommand(CLI::App& app, Action& action);
void AddBenchCommand(CLI::App& app, Action& action);
// `truce bench ingest`, registered by AddBenchCommand under `bench`.
void AddBenchIngestCommand(CLI::App& bench, Action& action);
void AddCorroborateCommand(CLI::App& app, Action& action);
void AddExportCommand(CLI::App& app, Action& action);
void AddDailyReportCommand(CLI::App& app, Action& action);

// Prints "error: MESSAGE" and each problem on stderr; returns kExitBadInput.
int ReportError(const Error& error);

}  // namespace truce::cli
