// A recording's context snapshot, found beside the trace, joins the report:
// antagonists carry their policy and cgroup weight, findings say why.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "context/snapshot.h"
#include "pipeline/analyze_traces.h"
#include "report/json_report.h"

namespace kstarve {
namespace {

namespace fs = std::filesystem;

class ContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kstarve-context-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    trace_ = dir_ + "/fio-cgroup.txt.zst";
    fs::copy_file(std::string(KSTARVE_SOURCE_DIR) + "/tests/fixtures/fio-cgroup.ftrace.txt.zst", trace_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The recording as the brief describes it: fio in a cgroup with
  // cpu.shares 262144 (or as SCHED_FIFO 10), the kworker at nice 0 in the root.
  ContextSnapshot Snapshot(bool fifo) {
    AnalyzeRequest plain;
    plain.inputs = {trace_};
    plain.find_context = false;
    Result<Report> r = AnalyzeTraces(plain);
    EXPECT_TRUE(r.ok());
    ContextSnapshot c;
    c.kernel_release = "6.18.44";
    c.knobs.rt_runtime_us = 950000;
    c.knobs.rt_period_us = 1000000;
    for (const TaskReport& t : r->tasks) {
      ThreadContext tc;
      tc.pid = t.pid;
      tc.tgid = t.pid;
      tc.comm = t.comm;
      tc.process = t.comm;
      tc.kernel_thread = t.comm.starts_with("kworker/");
      tc.cgroup.version = 1;
      tc.cgroup.path = "/";
      if (t.comm == "fio") {
        if (fifo) {
          tc.policy = 1;
          tc.rt_priority = 10;
        } else {
          tc.cgroup.path = "/kstarve-fio";
          tc.cgroup.cpu_shares = 262144;
        }
      }
      c.threads[t.pid] = tc;
    }
    return c;
  }

  void WriteSidecar(const std::string& text) { std::ofstream(ContextPathFor(trace_)) << text; }

  nlohmann::json ReportJson() {
    AnalyzeRequest req;
    req.inputs = {trace_};
    Result<Report> r = AnalyzeTraces(req);
    EXPECT_TRUE(r.ok()) << r.status().message();
    std::ostringstream out;
    WriteJsonReport(*r, out);
    return nlohmann::json::parse(out.str());
  }

  static const nlohmann::json* KworkerFinding(const nlohmann::json& j) {
    for (const auto& f : j["findings"]) {
      if (f["victim"]["comm"] == "kworker/1:0" && f["kind"] == "chronic-delay") return &f;
    }
    return nullptr;
  }

  std::string dir_, trace_;
};

TEST_F(ContextTest, CgroupWeightOfTheAntagonistIsNamed) {
  WriteSidecar(ContextToJson(Snapshot(false)));
  nlohmann::json j = ReportJson();
  ASSERT_TRUE(j.contains("context")) << "sidecar not found";
  EXPECT_EQ(j["context"]["kernel_release"], "6.18.44");
  const nlohmann::json* f = KworkerFinding(j);
  ASSERT_NE(f, nullptr);
  const nlohmann::json& fio = (*f)["antagonists"][0];
  EXPECT_EQ(fio["comm"], "fio");
  EXPECT_EQ(fio["cgroup"], "/kstarve-fio");
  EXPECT_EQ(fio["cpu_shares"], 262144);
  EXPECT_EQ((*f)["victim"]["nice"], 0);
  EXPECT_EQ((*f)["victim"]["kernel_thread"], true);
  const std::string why = (*f)["why"];
  EXPECT_NE(why.find("cpu.shares 262144"), std::string::npos) << why;
  const std::string fix = (*f)["recommendation"];
  EXPECT_NE(fix.find("cgroup /kstarve-fio"), std::string::npos) << fix;
}

TEST_F(ContextTest, RtPolicyOfTheAntagonistIsNamed) {
  WriteSidecar(ContextToJson(Snapshot(true)));
  nlohmann::json j = ReportJson();
  const nlohmann::json* f = KworkerFinding(j);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ((*f)["antagonists"][0]["policy"], "fifo");
  EXPECT_EQ((*f)["antagonists"][0]["rt_priority"], 10);
  EXPECT_NE((*f)["why"].get<std::string>().find("SCHED_FIFO 10"), std::string::npos);
}

// A kworker's /proc name in the snapshot ("kworker/1:0-dio/vda") names the
// workqueue it served; without work items in the trace (recorded without
// --workqueue) the chronic-delay evidence says so instead.
TEST_F(ContextTest, WorkqueueFromTheKworkersProcNameWhenNoWorkItemsWereTraced) {
  ContextSnapshot c = Snapshot(false);
  for (auto& [pid, t] : c.threads) {
    if (t.comm == "kworker/1:0") t.comm = "kworker/1:0-dio/vda";
  }
  WriteSidecar(ContextToJson(c));
  nlohmann::json with_items = ReportJson();
  const nlohmann::json* f = KworkerFinding(with_items);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ((*f)["victim"]["workqueue"], "dio/vda");
  EXPECT_NE((*f)["evidence"].get<std::string>().find("work items, mostly"), std::string::npos) << (*f)["evidence"];

  // The same trace without its workqueue_execute_* lines.
  const std::string plain = dir_ + "/no-work-items.txt";
  {
    FILE* in = popen(("zstd -dc '" + trace_ + "'").c_str(), "r");
    ASSERT_NE(in, nullptr);
    std::ofstream out(plain);
    char line[4096];
    while (std::fgets(line, sizeof line, in) != nullptr) {
      if (std::strstr(line, "workqueue_execute_") == nullptr) out << line;
    }
    ASSERT_EQ(pclose(in), 0) << "zstd -dc failed";
  }
  std::ofstream(ContextPathFor(plain)) << ContextToJson(c);
  trace_ = plain;
  nlohmann::json without = ReportJson();
  f = KworkerFinding(without);
  ASSERT_NE(f, nullptr);
  const std::string evidence = (*f)["evidence"];
  EXPECT_EQ(evidence.find("work items"), std::string::npos) << evidence;
  EXPECT_NE(evidence.find("served the dio/vda workqueue"), std::string::npos) << evidence;
}

TEST_F(ContextTest, BrokenSidecarIsReportedAndIgnored) {
  WriteSidecar("{\"schema\": \"kstarve.context/1\", \"threads\": 3}");
  nlohmann::json j = ReportJson();
  EXPECT_FALSE(j.contains("context"));
  ASSERT_FALSE(j["trace"]["problems"].empty());
  const std::string p = j["trace"]["problems"][0];
  EXPECT_NE(p.find(ContextPathFor(trace_)), std::string::npos) << p;
  EXPECT_NE(KworkerFinding(j), nullptr);
}

TEST_F(ContextTest, ExplicitContextMustLoad) {
  AnalyzeRequest req;
  req.inputs = {trace_};
  req.context_path = dir_ + "/missing.json";
  Result<Report> r = AnalyzeTraces(req);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("missing.json"), std::string::npos);
}

}  // namespace
}  // namespace kstarve
