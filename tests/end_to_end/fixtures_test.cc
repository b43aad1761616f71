// Recorded traces (tests/fixtures, see its README) against the numbers an
// independent program (tests/fixtures/expected.py, written from
// docs/semantics.md, no code shared) computed from the same files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "report_json.h"

namespace kstarve {
namespace {

using nlohmann::json;

constexpr double kNs = 1e-6;         // one nanosecond, in ms
constexpr double kNsInS = 1.001e-9;  // one nanosecond, in s (and rounding)

void ExpectMs(const json& actual, const json& expected, const std::string& what) {
  EXPECT_NEAR(actual.get<double>(), expected.get<double>(), kNs) << what;
}

void CompareTrace(const json& a, const json& e) {
  EXPECT_EQ(a["events"], e["events"]);
  EXPECT_EQ(a["cpus"], e["cpus"]);
  EXPECT_EQ(a["inferred_switches"], e["inferred_switches"]);
  EXPECT_EQ(a["lost_events"], e["lost_events"]);
  EXPECT_NEAR(a["start_s"].get<double>(), e["start_s"].get<double>(), kNsInS);
  EXPECT_NEAR(a["end_s"].get<double>(), e["end_s"].get<double>(), kNsInS);
  EXPECT_NEAR(a["duration_s"].get<double>(), e["duration_s"].get<double>(), kNsInS);
}

void CompareTasks(const json& actual, const json& expected) {
  std::map<int, const json*> by_pid;
  for (const json& t : actual) by_pid[t["pid"].get<int>()] = &t;
  EXPECT_EQ(actual.size(), expected.size());
  for (const json& e : expected) {
    int pid = e["pid"].get<int>();
    auto it = by_pid.find(pid);
    ASSERT_NE(it, by_pid.end()) << "task " << pid << " " << e["comm"] << " missing";
    const json& a = *it->second;
    std::string who = "task " + std::to_string(pid) + " " + e["comm"].get<std::string>();
    EXPECT_EQ(a["comm"], e["comm"]) << who;
    EXPECT_EQ(a["switches"], e["switches"]) << who;
    ExpectMs(a["runtime_ms"], e["runtime_ms"], who + " runtime_ms");
    ExpectMs(a["sum_delay_ms"], e["sum_delay_ms"], who + " sum_delay_ms");
    ExpectMs(a["max_delay_ms"], e["max_delay_ms"], who + " max_delay_ms");
    ExpectMs(a["avg_delay_ms"], e["avg_delay_ms"], who + " avg_delay_ms");
    EXPECT_NEAR(a["max_delay_start_s"].get<double>(), e["max_delay_start_s"].get<double>(), kNsInS) << who;
    EXPECT_NEAR(a["max_delay_end_s"].get<double>(), e["max_delay_end_s"].get<double>(), kNsInS) << who;
    // The oracle prints ratios rounded to 6 decimals.
    EXPECT_NEAR(a["delay_share"].get<double>(), e["delay_share"].get<double>(), 5.01e-7) << who;
  }
}

void CompareEpisodes(const json& actual, const json& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const json& a = actual[i];
    const json& e = expected[i];
    std::string who = "episode " + std::to_string(i) + " of " + e["victim"]["comm"].get<std::string>();
    EXPECT_EQ(a["victim"]["pid"], e["victim"]["pid"]) << who;
    EXPECT_EQ(a["cpu"], e["cpu"]) << who;
    EXPECT_EQ(a["cause"], e["cause"]) << who;
    EXPECT_NEAR(a["start_s"].get<double>(), e["start_s"].get<double>(), kNsInS) << who;
    ExpectMs(a["wait_ms"], e["wait_ms"], who + " wait_ms");
    ASSERT_FALSE(e["antagonists"].empty()) << who;
    ASSERT_FALSE(a["antagonists"].empty()) << who;
    EXPECT_EQ(a["antagonists"][0]["pid"], e["antagonists"][0]["pid"]) << who;
    ExpectMs(a["antagonists"][0]["ms"], e["antagonists"][0]["ms"], who + " top antagonist ms");
    if (e.contains("irq_ms")) ExpectMs(a["irq_ms"], e["irq_ms"], who + " irq_ms");
    if (e.contains("softirq_ms")) ExpectMs(a["softirq_ms"], e["softirq_ms"], who + " softirq_ms");
  }
}

void CompareFindings(const json& actual, const json& expected) {
  std::set<std::pair<int, std::string>> a, e;
  for (const json& f : actual) a.insert({f["victim"]["pid"].get<int>(), f["kind"].get<std::string>()});
  for (const json& f : expected) e.insert({f["victim"]["pid"].get<int>(), f["kind"].get<std::string>()});
  EXPECT_EQ(a, e);
}

struct Fixture {
  std::string trace;
  std::string expected;
};

void PrintTo(const Fixture& f, std::ostream* os) {
  *os << f.trace;
}

json Load(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

class FixturesTest : public ::testing::TestWithParam<Fixture> {};

TEST_P(FixturesTest, MatchesTheIndependentComputation) {
  const Fixture& f = GetParam();
  json expected = Load(testing::FixturePath(f.expected));
  json actual = testing::ReportJson(testing::FixturePath(f.trace));
  CompareTrace(actual["trace"], expected["trace"]);
  CompareTasks(actual["tasks"], expected["tasks"]);
  CompareEpisodes(actual["episodes"], expected["episodes"]);
  CompareFindings(actual["findings"], expected["findings"]);
}

INSTANTIATE_TEST_SUITE_P(Recorded, FixturesTest,
                         ::testing::Values(Fixture{"rt-hog.ftrace.txt.zst", "rt-hog.expected.json"},
                                           Fixture{"fio-cgroup.ftrace.txt.zst", "fio-cgroup.expected.json"},
                                           Fixture{"xformat.ftrace.txt.zst", "xformat.expected.json"},
                                           // The LKML mail as it is (seeds/), compressed.
                                           Fixture{"lkml-eevdf-vhost.ftrace.txt.zst",
                                                   "lkml-eevdf-vhost.expected.json"}),
                         [](const auto& info) {
                           std::string n = info.param.expected.substr(0, info.param.expected.find('.'));
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

// What issue 2 asks the recordings to show, stated directly.
TEST(FixturesShowTest, RtHogCausesLongWaitsByRtPreemption) {
  json j = testing::ReportJson(testing::FixturePath("rt-hog.ftrace.txt.zst"));
  ASSERT_FALSE(j["episodes"].empty());
  int by_hog = 0;
  for (const json& e : j["episodes"]) {
    if (e["cause"] == "rt-preemption" && e["antagonists"][0]["class"] == "rt") ++by_hog;
  }
  EXPECT_GE(by_hog, 5) << j["episodes"].dump(1);
  bool finding = false;
  for (const json& f : j["findings"]) {
    finding |= f["kind"] == "long-wait" && f["cause"] == "rt-preemption" && f["antagonists"][0]["class"] == "rt";
  }
  EXPECT_TRUE(finding);
}

TEST(FixturesShowTest, FioCgroupChronicDelayOfCpu1Kworker) {
  json j = testing::ReportJson(testing::FixturePath("fio-cgroup.ftrace.txt.zst"));
  const json* chronic = nullptr;
  for (const json& f : j["findings"]) {
    std::string comm = f["victim"]["comm"];
    if (f["kind"] == "chronic-delay" && comm.rfind("kworker/1:", 0) == 0) chronic = &f;
  }
  ASSERT_NE(chronic, nullptr) << j["findings"].dump(1);
  EXPECT_EQ((*chronic)["antagonists"][0]["comm"], "fio");
  EXPECT_EQ((*chronic)["cause"], "fair-share");
  EXPECT_GE((*chronic)["delay_share"].get<double>(), 0.10);
  EXPECT_EQ((*chronic)["per_cpu_kthread_cpu"], 1);
}

// The same events as ftrace text, trace-cmd report (default and -R) and perf
// script give the same numbers. perf stamps each event with its own clock
// read, a few microseconds off ftrace's (tests/fixtures/README.md), so the
// perf-script variant for the exact comparison carries ftrace's timestamps;
// the raw perf recording is compared for the same events below.
TEST(CrossFormatTest, SameEventsSameNumbers) {
  json base = testing::ReportJson(testing::FixturePath("xformat.ftrace.txt.zst"));
  for (const char* other :
       {"xformat.trace-cmd.txt.zst", "xformat.trace-cmd-raw.txt.zst", "xformat.perf-script-aligned.txt.zst"}) {
    SCOPED_TRACE(other);
    json j = testing::ReportJson(testing::FixturePath(other));
    CompareTrace(j["trace"], base["trace"]);
    CompareTasks(j["tasks"], base["tasks"]);
    CompareEpisodes(j["episodes"], base["episodes"]);
    CompareFindings(j["findings"], base["findings"]);
  }
}

TEST(CrossFormatTest, RawPerfScriptHasTheSameEventsAndSwitches) {
  json base = testing::ReportJson(testing::FixturePath("xformat.ftrace.txt.zst"));
  json perf = testing::ReportJson(testing::FixturePath("xformat.perf-script.txt.zst"));
  EXPECT_EQ(perf["trace"]["format"], "perf-script");
  EXPECT_EQ(perf["trace"]["events"], base["trace"]["events"]);
  EXPECT_EQ(perf["trace"]["inferred_switches"], base["trace"]["inferred_switches"]);
  ASSERT_EQ(perf["tasks"].size(), base["tasks"].size());
  std::map<int, json> by_pid;
  for (const json& t : base["tasks"]) by_pid[t["pid"].get<int>()] = t;
  for (const json& t : perf["tasks"]) {
    const json& b = by_pid.at(t["pid"].get<int>());
    EXPECT_EQ(t["switches"], b["switches"]) << t["comm"];
    EXPECT_EQ(t["waits"], b["waits"]) << t["comm"];
    // Clock reads differ by -1..+6 us per event; a thread's total by more.
    EXPECT_NEAR(t["runtime_ms"].get<double>(), b["runtime_ms"].get<double>(), 0.05) << t["comm"];
  }
}

// `kstarve report A B`: a trace cut in two consecutive pieces reads as the
// whole (the rt-hog recording split at a line, the halves compressed
// differently: one zstd, one plain).
TEST(MultipleInputsTest, ConsecutivePiecesReadAsTheWhole) {
  std::string text;
  {
    FILE* p = popen(("zstd -dc " + testing::FixturePath("rt-hog.ftrace.txt.zst")).c_str(), "r");
    ASSERT_NE(p, nullptr);
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
    ASSERT_EQ(pclose(p), 0);
  }
  size_t cut = text.find('\n', text.size() / 2) + 1;
  const std::string dir = std::filesystem::temp_directory_path();
  const std::string first = dir + "/kstarve-multi-1.txt", second = dir + "/kstarve-multi-2.txt";
  std::ofstream(first, std::ios::binary) << text.substr(0, cut);
  std::ofstream(second, std::ios::binary) << text.substr(cut);

  AnalyzeRequest req;
  req.inputs = {first, second};
  Result<Report> pieces = AnalyzeTraces(req);
  ASSERT_TRUE(pieces.ok()) << pieces.status().message();
  std::ostringstream out;
  WriteJsonReport(*pieces, out);
  json j = json::parse(out.str());
  json whole = testing::ReportJson(testing::FixturePath("rt-hog.ftrace.txt.zst"));
  CompareTrace(j["trace"], whole["trace"]);
  CompareTasks(j["tasks"], whole["tasks"]);
  CompareEpisodes(j["episodes"], whole["episodes"]);
  CompareFindings(j["findings"], whole["findings"]);
  EXPECT_EQ(j["trace"]["inputs"].size(), 2u);
}

}  // namespace
}  // namespace kstarve
