// Live tests of `kstarve record` (need root and tracefs; skipped without).
// The recorder runs as a child process, as users run it, so signals and
// exit statuses are the real ones. Load is pinned to CPU 1.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr char kTracing[] = "/sys/kernel/tracing";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// The global tracing state record must leave as it found it, and the
// instances record creates (kstarve-<digits>; other tools' instances come
// and go on their own).
std::string TracingState() {
  std::string out;
  for (const char* f :
       {"tracing_on", "current_tracer", "trace_clock", "buffer_size_kb", "events/enable", "set_event"}) {
    out += std::string(f) + "=" + ReadAll(std::string(kTracing) + "/" + f) + "\n";
  }
  std::vector<std::string> names;
  if (DIR* d = ::opendir((std::string(kTracing) + "/instances").c_str())) {
    while (const dirent* e = ::readdir(d)) {
      if (std::regex_match(e->d_name, std::regex("kstarve-[0-9]+"))) names.emplace_back(e->d_name);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) out += "instance " + n + "\n";
  return out;
}

// Skips the test unless we may create tracefs instances.
#define REQUIRE_LIVE_TRACING()                                                           \
  do {                                                                                   \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to use tracefs";                   \
    if (::access("/sys/kernel/tracing/instances", W_OK) != 0)                            \
      GTEST_SKIP() << "tracefs is not mounted at /sys/kernel/tracing (or not writable)"; \
  } while (0)

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/kstarve-record-test.XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A child process with stderr captured to a file.
struct Child {
  pid_t pid = -1;
  std::string stderr_path;
};

Child Spawn(const std::vector<std::string>& argv, const std::string& stderr_path) {
  Child c;
  c.stderr_path = stderr_path;
  c.pid = ::fork();
  if (c.pid == 0) {
    const int fd = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) ::dup2(fd, 2);
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) ::dup2(null, 1);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  return c;
}

// Waits at most `timeout` for the child; kills it after that. Returns the
// exit status (128 + signal if killed), or -1 on timeout.
int WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int ws = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &ws, WNOHANG) == pid) return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &ws, 0);
  return -1;
}

// Load on CPU 1 for the life of the object.
class PinnedLoad {
 public:
  explicit PinnedLoad(const std::string& dir) {
    if (!Exists("/usr/bin/stress-ng") || !Exists("/usr/bin/taskset")) return;
    child_ = Spawn({"taskset", "-c", "1", "stress-ng", "--switch", "1", "-t", "20", "-q"}, dir + "/load.err");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ~PinnedLoad() {
    if (child_.pid <= 0) return;
    ::kill(child_.pid, SIGTERM);
    WaitFor(child_.pid, std::chrono::seconds(5));
  }

 private:
  Child child_;
};

// The number of sched_switch records kstarve says it wrote.
long WrittenSwitches(const std::string& log) {
  std::smatch m;
  if (!std::regex_search(log, m, std::regex("\\(([0-9]+) sched_switch\\)"))) return -1;
  return std::stol(m[1]);
}

// `trace-cmd report -i FILE` lines that are sched_switch records, or -1 if
// trace-cmd failed.
long TraceCmdSwitches(const std::string& file) {
  FILE* p = ::popen(("trace-cmd report -i '" + file + "' 2>/dev/null").c_str(), "r");
  if (p == nullptr) return -1;
  long n = 0;
  char line[4096];
  while (std::fgets(line, sizeof line, p) != nullptr) {
    if (std::strstr(line, " sched_switch:") != nullptr) ++n;
  }
  return ::pclose(p) == 0 ? n : -1;
}

TEST(RecordLive, RecordsSwitchesThatTraceCmdReadsAndRestoresState) {
  REQUIRE_LIVE_TRACING();
  TempDir dir;
  const std::string before = TracingState();
  const std::string out = dir.path() + "/a.dat";
  int status = 0;
  {
    PinnedLoad load(dir.path());
    Child rec = Spawn({KSTARVE_BINARY, "record", "-d", "1", "-o", out}, dir.path() + "/rec.err");
    status = WaitFor(rec.pid, std::chrono::seconds(30));
  }
  const std::string log = ReadAll(dir.path() + "/rec.err");
  ASSERT_EQ(status, 0) << log;
  EXPECT_EQ(TracingState(), before);
  ASSERT_TRUE(Exists(out)) << log;
  const long written = WrittenSwitches(log);
  ASSERT_GT(written, 100) << log;  // a switch load on CPU 1 for 1 s

  // The context snapshot beside it is kstarve.context/1 JSON with threads.
  const nlohmann::json ctx = nlohmann::json::parse(ReadAll(out + ".context.json"), nullptr, false);
  ASSERT_FALSE(ctx.is_discarded());
  EXPECT_EQ(ctx.value("schema", ""), "kstarve.context/1");
  EXPECT_GT(ctx["threads"].size(), 10u);

  // No temporary per-CPU files (a.dat.cpuN.XXXXXX) are left beside the output.
  std::vector<std::string> leftovers;
  if (DIR* d = ::opendir(dir.path().c_str())) {
    while (const dirent* e = ::readdir(d)) {
      if (std::string(e->d_name).rfind("a.dat.cpu", 0) == 0) leftovers.emplace_back(e->d_name);
    }
    ::closedir(d);
  }
  EXPECT_TRUE(leftovers.empty()) << leftovers.front();

  if (!Exists("/usr/bin/trace-cmd")) GTEST_SKIP() << "trace-cmd is not installed: file not cross-checked";
  EXPECT_EQ(TraceCmdSwitches(out), written);
}

TEST(RecordLive, CommandSetsTheDurationAndTheExitStatus) {
  REQUIRE_LIVE_TRACING();
  TempDir dir;
  const std::string before = TracingState();
  const std::string out = dir.path() + "/c.dat";
  const auto t0 = std::chrono::steady_clock::now();
  Child rec =
      Spawn({KSTARVE_BINARY, "record", "-o", out, "--", "sh", "-c", "sleep 0.3; exit 3"}, dir.path() + "/rec.err");
  const int status = WaitFor(rec.pid, std::chrono::seconds(30));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(status, 3) << ReadAll(dir.path() + "/rec.err");
  EXPECT_LT(seconds, 8.0) << "recorded for the default 10 s, not for the command's life";
  EXPECT_TRUE(Exists(out));
  EXPECT_EQ(TracingState(), before);

  Child missing = Spawn({KSTARVE_BINARY, "record", "-o", out, "--", "/no/such/command"}, dir.path() + "/m.err");
  EXPECT_EQ(WaitFor(missing.pid, std::chrono::seconds(30)), 127);
  EXPECT_EQ(TracingState(), before);
}

TEST(RecordLive, RemovesAStaleInstanceOfADeadRecorder) {
  REQUIRE_LIVE_TRACING();
  // A pid that surely belongs to no process: a child that has exited.
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const std::string stale = std::string(kTracing) + "/instances/kstarve-" + std::to_string(dead);
  ASSERT_EQ(::mkdir(stale.c_str(), 0755), 0) << stale;
  TempDir dir;
  Child rec = Spawn({KSTARVE_BINARY, "record", "-d", "0.1", "-o", dir.path() + "/s.dat"}, dir.path() + "/rec.err");
  const int status = WaitFor(rec.pid, std::chrono::seconds(30));
  const bool left = Exists(stale);
  if (left) ::rmdir(stale.c_str());
  EXPECT_EQ(status, 0);
  EXPECT_FALSE(left);
  EXPECT_NE(ReadAll(dir.path() + "/rec.err").find("kstarve-" + std::to_string(dead)), std::string::npos);
}

// `trace-cmd report -i FILE` lines naming `event`, or -1 if trace-cmd failed.
long TraceCmdLines(const std::string& file, const std::string& event) {
  FILE* p = ::popen(("trace-cmd report -i '" + file + "' 2>/dev/null").c_str(), "r");
  if (p == nullptr) return -1;
  long n = 0;
  char line[4096];
  const std::string needle = " " + event + ":";
  while (std::fgets(line, sizeof line, p) != nullptr) {
    if (std::strstr(line, needle.c_str()) != nullptr) ++n;
  }
  return ::pclose(p) == 0 ? n : -1;
}

// Work items are recorded only with --workqueue (one record per item is
// too many by default; docs/record.md), and workqueue_execute_end never.
TEST(RecordLive, WorkItemsOnlyWithWorkqueue) {
  REQUIRE_LIVE_TRACING();
  if (!Exists("/usr/bin/trace-cmd")) GTEST_SKIP() << "trace-cmd is not installed: cannot list the recorded events";
  TempDir dir;
  // O_DIRECT writes on ext4 complete in a kworker (a work item each); any
  // file system has some kworker activity in the background as well.
  const std::string load = "dd if=/dev/zero of='" + dir.path() + "/f' bs=4k count=300 oflag=direct 2>/dev/null; sync";
  long items[2] = {-1, -1};
  long ends = -1;
  for (int with = 0; with < 2; ++with) {
    const std::string out = dir.path() + "/w" + std::to_string(with) + ".dat";
    std::vector<std::string> argv = {KSTARVE_BINARY, "record", "-o", out};
    if (with != 0) argv.emplace_back("--workqueue");
    for (const char* a : {"--", "sh", "-c"}) argv.emplace_back(a);
    argv.push_back(load);
    Child rec = Spawn(argv, dir.path() + "/rec.err");
    ASSERT_EQ(WaitFor(rec.pid, std::chrono::seconds(60)), 0) << ReadAll(dir.path() + "/rec.err");
    items[with] = TraceCmdLines(out, "workqueue_execute_start");
    if (with != 0) ends = TraceCmdLines(out, "workqueue_execute_end");
  }
  EXPECT_EQ(items[0], 0) << "work items recorded without --workqueue";
  EXPECT_GT(items[1], 0) << "no work items recorded with --workqueue";
  EXPECT_EQ(ends, 0) << "workqueue_execute_end recorded";
}

// With no tracefs mounted, record mounts it and unmounts it again. Run in a
// private mount namespace (unshare), so the machine's mounts are untouched.
TEST(RecordLive, MountsTracefsWhenNoneIsMountedAndUnmountsIt) {
  REQUIRE_LIVE_TRACING();
  if (!Exists("/usr/bin/unshare")) GTEST_SKIP() << "unshare (util-linux) is not installed";
  TempDir dir;
  const std::string before = TracingState();
  const std::string out = dir.path() + "/m.dat";
  const std::string script =
      "umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug 2>/dev/null;"
      " echo before=$(grep -cE ' (tracefs|debugfs) ' /proc/mounts) >&2;"
      " '" KSTARVE_BINARY "' record -d 0.3 -o '" +
      out +
      "'; rc=$?;"
      " echo after=$(grep -cE ' (tracefs|debugfs) ' /proc/mounts) >&2; exit $rc";
  Child c = Spawn({"unshare", "--mount", "--propagation", "private", "sh", "-c", script}, dir.path() + "/m.err");
  const int status = WaitFor(c.pid, std::chrono::seconds(60));
  const std::string log = ReadAll(dir.path() + "/m.err");
  if (log.find("before=0") == std::string::npos) GTEST_SKIP() << "cannot unmount tracefs in a namespace: " << log;
  EXPECT_EQ(status, 0) << log;
  EXPECT_GT(WrittenSwitches(log), 0) << log;
  EXPECT_NE(log.find("after=0"), std::string::npos) << "tracefs left mounted in the namespace: " << log;
  EXPECT_EQ(TracingState(), before);
}

struct SignalCase {
  int signal;
  int delay_ms;
};

class RecordSignal : public testing::TestWithParam<SignalCase> {};

TEST_P(RecordSignal, StopsCleanlyAndLeavesTracingAsItWas) {
  REQUIRE_LIVE_TRACING();
  TempDir dir;
  const std::string before = TracingState();
  const std::string out = dir.path() + "/p.dat";
  Child rec = Spawn({KSTARVE_BINARY, "record", "-d", "30", "-o", out}, dir.path() + "/rec.err");
  std::this_thread::sleep_for(std::chrono::milliseconds(GetParam().delay_ms));
  ::kill(rec.pid, GetParam().signal);
  const int status = WaitFor(rec.pid, std::chrono::seconds(20));
  const std::string log = ReadAll(dir.path() + "/rec.err");
  ASSERT_NE(status, -1) << "did not stop within 20 s of the signal";
  EXPECT_EQ(TracingState(), before) << log;
  EXPECT_FALSE(Exists(std::string(kTracing) + "/instances/kstarve-" + std::to_string(rec.pid)));
  if (Exists(out)) {
    // Stopped while recording: the partial file is complete and readable.
    EXPECT_EQ(status, 0) << log;
    if (Exists("/usr/bin/trace-cmd")) {
      EXPECT_EQ(TraceCmdSwitches(out), WrittenSwitches(log)) << log;
    }
  } else {
    // Killed before the handlers were installed, or stopped during setup.
    EXPECT_TRUE(status == 128 + GetParam().signal) << "status " << status << "\n" << log;
  }
}

INSTANTIATE_TEST_SUITE_P(Moments, RecordSignal,
                         testing::Values(SignalCase{SIGINT, 0}, SignalCase{SIGINT, 100}, SignalCase{SIGINT, 1000},
                                         SignalCase{SIGTERM, 0}, SignalCase{SIGTERM, 100}, SignalCase{SIGTERM, 1000}),
                         [](const testing::TestParamInfo<SignalCase>& info) {
                           return std::string(info.param.signal == SIGINT ? "Int" : "Term") + "After" +
                                  std::to_string(info.param.delay_ms) + "ms";
                         });

}  // namespace
