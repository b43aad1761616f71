// The kstarve binary as a user meets it: help, version, errors, exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

struct CliRun {
  int status;
  std::string out;  // stdout and stderr
};

CliRun Kstarve(const std::string& args) {
  std::string cmd = std::string(KSTARVE_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

std::string TempFile(const std::string& name, const std::string& content) {
  std::string path = std::filesystem::temp_directory_path() / ("kstarve-cli-test-" + name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(CliTest, VersionAndHelp) {
  CliRun v = Kstarve("--version");
  EXPECT_EQ(v.status, 0);
  EXPECT_NE(v.out.find("kstarve 0."), std::string::npos) << v.out;
  CliRun h = Kstarve("--help");
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("report"), std::string::npos);
  CliRun hr = Kstarve("help report");
  EXPECT_EQ(hr.status, 0);
  EXPECT_NE(hr.out.find("--threshold-ms"), std::string::npos) << hr.out;
  EXPECT_NE(hr.out.find("--perfetto"), std::string::npos);
  EXPECT_EQ(Kstarve("report --help").status, 0);
  EXPECT_EQ(Kstarve("help nosuch").status, 2);
}

TEST(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Kstarve("report").status, 2);
  EXPECT_EQ(Kstarve("report x --format xml").status, 2);
  EXPECT_EQ(Kstarve("report x --by tid").status, 2);
}

TEST(CliTest, MissingFileIsNamed) {
  CliRun r = Kstarve("report /nonexistent/trace.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("/nonexistent/trace.txt"), std::string::npos) << r.out;
}

TEST(CliTest, ErrorsOnStandardInputNameIt) {
  CliRun r = Kstarve("report --perfetto /dev/null - < " + TempFile("empty-stdin", ""));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("kstarve report: <stdin>: empty input"), std::string::npos) << r.out;
}

TEST(CliTest, EmptyAndGarbageInputAreClearErrors) {
  CliRun e = Kstarve("report " + TempFile("empty", ""));
  EXPECT_EQ(e.status, 1);
  EXPECT_NE(e.out.find("kstarve-cli-test-empty"), std::string::npos) << e.out;
  std::string garbage;
  for (int i = 0; i < 100000; ++i) garbage.push_back(static_cast<char>((i * 7919) % 256));
  CliRun g = Kstarve("report " + TempFile("garbage", garbage));
  EXPECT_EQ(g.status, 1);
  EXPECT_NE(g.out.find("no trace records"), std::string::npos) << g.out;
}

TEST(CliTest, JsonFromStdinAndPerfetto) {
  std::string trace =
      "  hog-100 [001] d..2. 10.000000: sched_switch: prev_comm=hog prev_pid=100 prev_prio=89 prev_state=R+ ==> "
      "next_comm=hog next_pid=100 next_prio=89\n"
      "  hog-100 [001] d..2. 10.005000: sched_waking: comm=worker pid=200 prio=120 target_cpu=001\n"
      "  hog-100 [001] d..2. 10.045000: sched_switch: prev_comm=hog prev_pid=100 prev_prio=89 prev_state=S ==> "
      "next_comm=worker next_pid=200 next_prio=120\n"
      "  worker-200 [001] d..2. 10.046000: sched_switch: prev_comm=worker prev_pid=200 prev_prio=120 prev_state=S "
      "==> next_comm=swapper/1 next_pid=0 next_prio=120\n";
  std::string path = TempFile("small.txt", trace);
  std::string perfetto = std::filesystem::temp_directory_path() / "kstarve-cli-test.perfetto.json";
  CliRun r = Kstarve("report --format json --perfetto " + perfetto + " - < " + path);
  ASSERT_EQ(r.status, 0) << r.out;
  std::string json_text = r.out.substr(0, r.out.rfind("}\n") + 2);
  nlohmann::json j = nlohmann::json::parse(json_text);
  ASSERT_EQ(j["episodes"].size(), 1u);
  EXPECT_EQ(j["episodes"][0]["cause"], "rt-preemption");
  EXPECT_EQ(j["trace"]["inputs"][0], "-");
  std::ifstream in(perfetto);
  nlohmann::json p = nlohmann::json::parse(in);
  bool wait_slice = false, cpu_slice = false, flow = false;
  for (const auto& e : p["traceEvents"]) {
    // Track ids as src/report/perfetto_export.h documents them.
    if (e["ph"] == "X" && e["pid"] == 1'000'100'000 && e["tid"] == 200) wait_slice = true;
    if (e["ph"] == "X" && e["pid"] == 1'000'000'000 && e["tid"] == 1'000'000'001) cpu_slice = true;
    if (e["ph"] == "s") flow = true;
  }
  EXPECT_TRUE(wait_slice);
  EXPECT_TRUE(cpu_slice);
  EXPECT_TRUE(flow);
}

// Timestamps going backwards: a little (within the sorter's window) is put
// in order; far back cannot be placed any more and is skipped and counted.
TEST(CliTest, BackwardsTimestampsAreReorderedOrCounted) {
  std::string trace =
      "  a-1 [000] d..2. 5.000000: sched_waking: comm=b pid=2 prio=120 target_cpu=000\n"
      "  a-1 [000] d..2. 5.004000: sched_switch: prev_comm=a prev_pid=1 prev_prio=120 prev_state=S ==> "
      "next_comm=b next_pid=2 next_prio=120\n"
      "  a-1 [000] d..2. 5.003000: sched_waking: comm=c pid=3 prio=120 target_cpu=000\n"
      "  b-2 [000] d..2. 6.000000: sched_switch: prev_comm=b prev_pid=2 prev_prio=120 prev_state=R+ ==> "
      "next_comm=c next_pid=3 next_prio=120\n"
      "  c-3 [000] d..2. 1.000000: sched_waking: comm=a pid=1 prio=120 target_cpu=000\n"
      "  c-3 [000] d..2. 6.001000: sched_switch: prev_comm=c prev_pid=3 prev_prio=120 prev_state=S ==> "
      "next_comm=b next_pid=2 next_prio=120\n";
  CliRun r = Kstarve("report --format json " + TempFile("backwards.txt", trace));
  ASSERT_EQ(r.status, 0) << r.out;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["trace"]["reordered"], 1);
  EXPECT_EQ(j["trace"]["dropped_out_of_order"], 1);
  EXPECT_EQ(j["trace"]["events"], 5);
  CliRun text = Kstarve("report --color never " + TempFile("backwards.txt", trace));
  EXPECT_NE(text.out.find("1 events out of time order were skipped"), std::string::npos) << text.out;
}

// A comm is whatever bytes a thread set (prctl PR_SET_NAME): not UTF-8.
TEST(CliTest, CommsThatAreNotUtf8StillGiveValidJson) {
  std::string trace =
      "  a\xff\xfe-1 [000] d..2. 5.000000: sched_waking: comm=b\x80 pid=2 prio=120 target_cpu=000\n"
      "  a\xff\xfe-1 [000] d..2. 5.020000: sched_switch: prev_comm=a\xff\xfe prev_pid=1 prev_prio=120 "
      "prev_state=R+ ==> next_comm=b\x80 next_pid=2 next_prio=120\n";
  std::string perfetto = std::filesystem::temp_directory_path() / "kstarve-cli-test-utf8.json";
  CliRun r = Kstarve("report --format json --perfetto " + perfetto + " " + TempFile("utf8.txt", trace));
  ASSERT_EQ(r.status, 0) << r.out;
  // stdout is the JSON; the line after it is the note on stderr.
  nlohmann::json j = nlohmann::json::parse(r.out.substr(0, r.out.rfind("}\n") + 2));
  ASSERT_EQ(j["episodes"].size(), 1u);
  EXPECT_EQ(j["episodes"][0]["victim"]["comm"], "b\xef\xbf\xbd");  // U+FFFD
  std::ifstream in(perfetto);
  nlohmann::json p = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(p.is_discarded());
}

// Real trace_pipe output with LOST markers, and a `trace` file whose CPU 1
// buffer starts late (tests/readers/data): reported, and the threads whose
// history the gap hides are marked.
TEST(CliTest, LostEventsAndLateBuffersAreReportedAndMarked) {
  const std::string data = std::string(KSTARVE_SOURCE_DIR) + "/tests/readers/data/";
  auto incomplete = [](const nlohmann::json& j) {
    int n = 0;
    for (const auto& t : j["tasks"]) n += t["incomplete"].get<bool>() ? 1 : 0;
    return n;
  };
  CliRun lost = Kstarve("report --format json " + data + "ftrace_pipe_lost.txt");
  ASSERT_EQ(lost.status, 0) << lost.out;
  nlohmann::json j = nlohmann::json::parse(lost.out);
  EXPECT_EQ(j["trace"]["lost_events"], 2112 + 399993);
  EXPECT_EQ(j["trace"]["lost_markers"], 2);
  EXPECT_GE(incomplete(j), 2);  // the first thread seen on each CPU after its gap
  CliRun text = Kstarve("report --color never " + data + "ftrace_pipe_lost.txt");
  EXPECT_NE(text.out.find("402105 events lost in 2 gap(s)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("(lost events)"), std::string::npos);

  CliRun late = Kstarve("report --format json " + data + "ftrace_tgid_buffer_started.txt");
  ASSERT_EQ(late.status, 0) << late.out;
  nlohmann::json k = nlohmann::json::parse(late.out);
  EXPECT_EQ(k["trace"]["late_cpus"], nlohmann::json::array({1}));
  EXPECT_GE(incomplete(k), 1);
}

TEST(CliTest, TextReportStartsWithThePerfTable) {
  CliRun r = Kstarve("report --color never " + std::string(KSTARVE_SOURCE_DIR) + "/examples/rt-hog.txt.zst");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out.find(" ----"), 0u);
  EXPECT_NE(r.out.find("Task                  |   Runtime ms  | Switches | Avg delay ms"), std::string::npos);
  EXPECT_NE(r.out.find("Findings"), std::string::npos);
  EXPECT_EQ(r.out.find("\033["), std::string::npos);  // no colour when asked
}

}  // namespace
