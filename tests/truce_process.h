// The truce binary as a process, for end-to-end tests: one command run to its end (exit code,
// stdout, stderr), or `truce serve` as a child that is stopped or killed by the test.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "server_harness.h"

namespace truce::testing {

struct CmdRun {
  int exit_code = -1;
  std::string out, err;
};

inline std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the truce binary with `args` (already shell-quoted where needed).
inline CmdRun Truce(const TempDir& dir, const std::string& args) {
  const fs::path out = dir.path() / "cmd.out", err = dir.path() / "cmd.err";
  const std::string cmd =
      TruceBinary() + " " + args + " >" + out.string() + " 2>" + err.string() + " </dev/null";
  const int status = std::system(cmd.c_str());
  return CmdRun{WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
}

// `truce serve ARGS --listen 127.0.0.1:0` as a child process, reading the bound address from its
// stdout; base_url() is empty when it did not start. Its stderr goes to `err` when given.
class ServeProcess {
 public:
  // The SQLite server of `db`, loading `scenario` when given, with `extra` arguments.
  explicit ServeProcess(const std::string& db, const std::string& scenario = "",
                        const std::vector<std::string>& extra = {})
      : ServeProcess(ServeArgs(db, scenario, extra)) {}
  explicit ServeProcess(std::vector<std::string> args, fs::path err = {}) : err_(std::move(err)) {
    args.insert(args.begin(), {TruceBinary(), "serve"});
    args.insert(args.end(), {"--listen", "127.0.0.1:0"});
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string err_path = err_.string();
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      if (!err_path.empty()) {
        const int fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) dup2(fd, STDERR_FILENO);
      }
      close(out[0]);
      close(out[1]);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    // Read until the "listening on" line (or EOF if the child failed).
    std::string text;
    char buf[256];
    while (text.find("listening on http://") == std::string::npos ||
           text.find('\n', text.find("listening on http://")) == std::string::npos) {
      const ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    close(out[0]);
    const size_t at = text.find("listening on http://");
    if (at != std::string::npos) base_ = text.substr(at + 13, text.find('\n', at) - at - 13);
  }
  ~ServeProcess() { Kill(SIGKILL); }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // Sends `signal` and waits for the process; its exit code, or -1 when a signal ended it.
  int Kill(int signal) {
    if (pid_ <= 0) return -1;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  const std::string& base_url() const { return base_; }
  // What it wrote to stderr (when started with `err`).
  std::string err() const { return err_.empty() ? "" : Slurp(err_); }

 private:
  static std::vector<std::string> ServeArgs(const std::string& db, const std::string& scenario,
                                            const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"--db", db};
    if (!scenario.empty()) args.insert(args.end(), {"--scenario", scenario});
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  fs::path err_;
  pid_t pid_ = -1;
  std::string base_;
};

}  // namespace truce::testing
