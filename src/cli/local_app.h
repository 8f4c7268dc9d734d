// The application over a database on this machine, for commands that read what a server
// recorded (`truce export`, `truce report`): the store, its ledger (with the key beside the
// database) and the App, opened read-only in effect. Refuses a path that holds no database
// rather than create one.
#pragma once

#include <memory>
#include <string>

#include "app/app.h"
#include "app/ledger.h"
#include "app/metrics.h"
#include "store/store.h"
#include "truce/result.h"

namespace truce::cli {

struct LocalApp {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<app::Ledger> ledger;
  app::Metrics metrics;
  std::unique_ptr<app::App> app;
};

// kNotFound when `db` or its key file (app::KeyFileFor) does not exist.
[[nodiscard]] Result<std::unique_ptr<LocalApp>> OpenLocalApp(const std::string& db);

// The principal a command acts as: `--role ROLE [--party ID]` (public when empty). kInvalidArgument
// naming the option for an unknown role or a party role without a party.
[[nodiscard]] Result<app::Principal> LocalPrincipal(const std::string& role,
                                                    const std::string& party);

}  // namespace truce::cli
