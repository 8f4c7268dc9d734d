#include "store/test_postgres.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace truce::store::testing {
namespace {

namespace fs = std::filesystem;

Error Unavailable(std::string why) {
  return MakeError(ErrorCode::kUnavailable, "no PostgreSQL server for the test: " + why);
}

bool HasServer(const std::string& dir) {
  return ::access((dir + "/initdb").c_str(), X_OK) == 0 &&
         ::access((dir + "/postgres").c_str(), X_OK) == 0;
}

Result<std::string> FindBinaries() {
  if (const char* dir = std::getenv("TRUCE_POSTGRES_BIN"); dir && *dir) {
    if (HasServer(dir)) return std::string(dir);
    return Unavailable(fmt::format("TRUCE_POSTGRES_BIN={} holds no initdb and postgres", dir));
  }
  for (const char* version : {"17", "16", "15", "14"}) {
    const std::string dir = fmt::format("/usr/lib/postgresql/{}/bin", version);
    if (HasServer(dir)) return dir;
  }
  return Unavailable(
      "no initdb and postgres found under /usr/lib/postgresql/*/bin (install Debian's "
      "postgresql-15, or set TRUCE_POSTGRES_BIN, or TRUCE_TEST_POSTGRES_URL to use a running "
      "server)");
}

// Who runs the server: ourselves, or (as root, which PostgreSQL refuses) an unprivileged user.
struct RunAs {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;
};

Result<RunAs> ChooseUser() {
  if (::geteuid() != 0) return RunAs{};
  for (const char* name : {"postgres", "nobody"}) {
    if (const passwd* pw = ::getpwnam(name)) return RunAs{true, pw->pw_uid, pw->pw_gid, name};
  }
  return Unavailable("running as root, and neither user 'postgres' nor 'nobody' exists to run it");
}

std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  if (text.size() > 600) text = "..." + text.substr(text.size() - 600);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// Forks a child that becomes `as`, sends its output to `log`, and executes `args`. With
// `die_with_parent`, the child gets SIGINT (PostgreSQL's fast shutdown) when this thread ends.
// Only async-signal-safe calls between fork and exec: everything is prepared before.
pid_t Spawn(const RunAs& as, const std::vector<std::string>& args, const std::string& log,
            bool die_with_parent) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd >= 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
  }
  const int null = ::open("/dev/null", O_RDONLY);
  if (null >= 0) ::dup2(null, STDIN_FILENO);
  ::close_range(3, ~0U, 0);  // pipes of other children must not stay open in the server
  if (as.switch_user) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(as.gid) != 0 || ::setuid(as.uid) != 0) _exit(126);
  }
  // After the user switch, which clears it.
  if (die_with_parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGINT);
    if (::getppid() != parent) _exit(125);
  }
  ::execv(argv[0], argv.data());
  _exit(127);
}

Result<int> FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unavailable("cannot open a socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return Unavailable("cannot find a free loopback port");
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

// Splits a URL around its database name: "scheme://auth/" + db + "?params".
void SplitUrl(const std::string& url, std::string* prefix, std::string* db, std::string* suffix) {
  const size_t query = url.find('?');
  const std::string head = url.substr(0, query);
  *suffix = query == std::string::npos ? "" : url.substr(query);
  const size_t authority = head.find("://");
  const size_t slash = head.find('/', authority == std::string::npos ? 0 : authority + 3);
  if (slash == std::string::npos) {
    *prefix = head + "/";
    *db = "postgres";
  } else {
    *prefix = head.substr(0, slash + 1);
    *db = head.substr(slash + 1);
    if (db->empty()) *db = "postgres";
  }
}

struct Connection {
  explicit Connection(const std::string& url) : conn(PQconnectdb(url.c_str())) {}
  ~Connection() { PQfinish(conn); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  PGconn* conn;
};

}  // namespace

Result<std::unique_ptr<TestPostgres>> TestPostgres::Start() {
  std::unique_ptr<TestPostgres> server(new TestPostgres());
  if (const char* url = std::getenv("TRUCE_TEST_POSTGRES_URL"); url && *url) {
    SplitUrl(url, &server->url_prefix_, &server->admin_db_, &server->url_suffix_);
    if (PQping(url) != PQPING_OK) {
      return Unavailable(
          fmt::format("TRUCE_TEST_POSTGRES_URL names a server that does not "
                      "answer"));
    }
    return server;
  }
  auto found = FindBinaries();
  if (!found.ok()) return found.error();
  const std::string bin = *found;
  auto as = ChooseUser();
  if (!as.ok()) return as.error();

  char templ[] = "/tmp/truce_pg_XXXXXX";
  if (!::mkdtemp(templ)) return Unavailable("cannot make a temporary directory");
  server->dir_ = templ;
  if (as->switch_user && ::chown(templ, as->uid, as->gid) != 0) {
    return Unavailable(fmt::format("cannot give {} to user {}", templ, as->name));
  }
  const std::string data = server->dir_ + "/data";
  const std::string log = server->dir_ + "/server.log";
  {
    const pid_t initdb = Spawn(*as,
                               {bin + "/initdb", "-D", data, "-A", "trust", "-U", "truce", "-E",
                                "UTF8", "--no-locale", "--no-sync"},
                               server->dir_ + "/initdb.log", false);
    int status = 0;
    if (initdb < 0 || ::waitpid(initdb, &status, 0) != initdb || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
      return Unavailable(fmt::format("initdb failed (as user {}): {}",
                                     as->switch_user ? as->name : "current",
                                     Tail(server->dir_ + "/initdb.log")));
    }
  }
  // A port found free may be taken before the server binds it: then try another.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto port = FreePort();
    if (!port.ok()) return port.error();
    server->pid_ = Spawn(*as,
                         {bin + "/postgres", "-D", data, "-p", std::to_string(*port), "-k",
                          server->dir_, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                          "full_page_writes=off", "-c", "max_connections=200"},
                         log, true);
    if (server->pid_ < 0) return Unavailable("cannot fork");
    server->url_prefix_ = fmt::format("postgresql://truce@127.0.0.1:{}/", *port);
    const std::string admin = server->Url(server->admin_db_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (PQping(admin.c_str()) == PQPING_OK) return server;
      int status = 0;
      if (::waitpid(server->pid_, &status, WNOHANG) == server->pid_) {
        server->pid_ = -1;
        break;  // it exited (the port was taken?): try again
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (server->pid_ > 0) {
      ::kill(server->pid_, SIGKILL);
      ::waitpid(server->pid_, nullptr, 0);
      server->pid_ = -1;
    }
  }
  return Unavailable("postgres did not start: " + Tail(log));
}

TestPostgres* TestPostgres::Shared(std::string* why) {
  static Result<std::unique_ptr<TestPostgres>> shared = Start();
  if (!shared.ok()) {
    if (why) *why = shared.error().message;
    return nullptr;
  }
  return shared->get();
}

TestPostgres::~TestPostgres() {
  if (pid_ > 0) {
    ::kill(pid_, SIGINT);  // fast shutdown: disconnects clients, checkpoints, exits
    int status = 0;
    for (int i = 0; i < 500 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string TestPostgres::Url(std::string_view database) const {
  return url_prefix_ + std::string(database) + url_suffix_;
}

Result<std::string> TestPostgres::NewDatabase() {
  static std::atomic<int> counter = 0;
  const std::string name = fmt::format("truce_test_{}_{}", ::getpid(), ++counter);
  if (Status st = Exec(Url(admin_db_), fmt::format("CREATE DATABASE {}", name)); !st.ok()) {
    return st.error();
  }
  return Url(name);
}

Status TestPostgres::Exec(const std::string& url, const std::string& sql) {
  Connection c(url);
  if (PQstatus(c.conn) != CONNECTION_OK) {
    return MakeError(ErrorCode::kIo, fmt::format("cannot connect: {}", PQerrorMessage(c.conn)));
  }
  PGresult* r = PQexec(c.conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(r);
  Status out = Status::Ok();
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    out = MakeError(ErrorCode::kIo, PQresultErrorMessage(r));
  }
  PQclear(r);
  return out;
}

Result<std::string> TestPostgres::QueryValue(const std::string& url, const std::string& sql) {
  Connection c(url);
  if (PQstatus(c.conn) != CONNECTION_OK) {
    return MakeError(ErrorCode::kIo, fmt::format("cannot connect: {}", PQerrorMessage(c.conn)));
  }
  PGresult* r = PQexec(c.conn, sql.c_str());
  Result<std::string> out = std::string();
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    out = MakeError(ErrorCode::kIo, PQresultErrorMessage(r));
  } else if (PQntuples(r) > 0) {
    out = std::string(PQgetvalue(r, 0, 0));
  }
  PQclear(r);
  return out;
}

}  // namespace truce::store::testing
