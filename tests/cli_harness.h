// Running the real `truce` binary from end-to-end tests: a scratch directory per test, files
// written into it, and the command's exit code, stdout and stderr.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace truce::testing {

struct CliRun {
  int exit_code = -1;
  std::string out, err;
};

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Parses one JSON value per line.
inline std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
  return out;
}

class CliHarness : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("truce_cli_" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `truce ARGS` with stdin from `stdin_file`, in `cwd` when given.
  CliRun Truce(const std::string& args, const std::string& stdin_file = "/dev/null",
               const std::filesystem::path& cwd = {}) {
    const std::string cd = cwd.empty() ? "" : "cd '" + cwd.string() + "' && ";
    const std::string cmd = cd + std::string(TRUCE_BINARY_DIR) + "/src/cli/truce " + args + " >" +
                            (dir_ / "out").string() + " 2>" + (dir_ / "err").string() + " <" +
                            stdin_file;
    const int status = std::system(cmd.c_str());
    return CliRun{WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(dir_ / "out"),
                  Slurp(dir_ / "err")};
  }
  // Writes `text` to DIR/name and returns the path.
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }

  std::filesystem::path dir_;
};

}  // namespace truce::testing
