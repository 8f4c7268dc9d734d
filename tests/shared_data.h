// Finding the real-data corpus (../shared/data) from tests. Tests that need it skip, with a
// message saying what is missing, when it is absent; CI has it.
#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "formats/text_file.h"

namespace truce::testing {

// The corpus root: $TRUCE_SHARED_DATA if set, else the path configured at build time.
inline std::filesystem::path SharedDataRoot() {
  if (const char* env = std::getenv("TRUCE_SHARED_DATA"); env && *env) return env;
  return TRUCE_SHARED_DATA;
}

inline std::string SharedDataPath(const std::string& relative) {
  return (SharedDataRoot() / relative).string();
}

// Loads a JSON file from the corpus; fails the test if it exists but cannot be parsed.
inline nlohmann::json LoadSharedJson(const std::string& relative) {
  auto text = formats::ReadTextFile(SharedDataPath(relative));
  if (!text.ok()) {
    ADD_FAILURE() << text.error().message;
    return {};
  }
  auto doc = formats::ParseJson(*text, relative);
  if (!doc.ok()) {
    ADD_FAILURE() << doc.error().message;
    return {};
  }
  return std::move(doc).value();
}

}  // namespace truce::testing

// Skips the current test unless the corpus file exists.
#define TRUCE_REQUIRE_SHARED_DATA(relative)                                                        \
  do {                                                                                             \
    if (!std::filesystem::exists(::truce::testing::SharedDataPath(relative))) {                    \
      GTEST_SKIP() << "real-data corpus not found: " << ::truce::testing::SharedDataPath(relative) \
                   << " (set TRUCE_SHARED_DATA or place ../shared/data beside the repo)";          \
    }                                                                                              \
  } while (0)
