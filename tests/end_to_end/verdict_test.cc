// The doctor's verdict, over recorded fixtures (tests/fixtures/README.md).
#include "report/verdict.h"

#include <gtest/gtest.h>

#include <sstream>

#include "pipeline/analyze_traces.h"

namespace kstarve {
namespace {

Report Analyze(const std::string& fixture) {
  AnalyzeRequest req;
  req.inputs = {std::string(KSTARVE_SOURCE_DIR) + "/tests/fixtures/" + fixture};
  Result<Report> r = AnalyzeTraces(req);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(*r) : Report();
}

TEST(VerdictTest, NamesTheStarvedKworkerAndWhoRanInstead) {
  Verdict v = BuildVerdict(Analyze("fio-cgroup.ftrace.txt.zst"));
  ASSERT_FALSE(v.items.empty());
  const VerdictItem& top = v.items.front();
  EXPECT_EQ(top.victim.comm, "kworker/1:0");
  EXPECT_EQ(top.victim.pid, 23);
  EXPECT_TRUE(top.kernel_thread);
  EXPECT_EQ(top.kind, "chronic-delay");
  EXPECT_EQ(top.behind.rfind("fio (", 0), 0u) << top.behind;
  EXPECT_NE(v.summary.find("kworker/1:0 (23)"), std::string::npos) << v.summary;
  std::ostringstream text;
  WriteVerdictText(v, false, text);
  EXPECT_EQ(text.str().rfind("Verdict: ", 0), 0u);
  EXPECT_NE(text.str().find("do:"), std::string::npos);
}

TEST(VerdictTest, KernelThreadsComeFirst) {
  Report r = Analyze("rt-hog.ftrace.txt.zst");
  ASSERT_FALSE(r.findings.empty());
  FindingReport kthread = r.findings.back();
  kthread.victim = {99, "ksoftirqd/1"};
  kthread.bound_cpu = 1;
  r.findings.push_back(kthread);
  Verdict v = BuildVerdict(r, r.findings.size());
  ASSERT_EQ(v.items.size(), r.findings.size());
  // The ksoftirqd finding was last and least; kernel threads still lead.
  bool seen_user_thread = false;
  bool seen_ksoftirqd = false;
  for (const VerdictItem& i : v.items) {
    if (!i.kernel_thread) seen_user_thread = true;
    EXPECT_FALSE(i.kernel_thread && seen_user_thread) << i.victim.comm << " comes after a user thread";
    if (i.victim.comm == "ksoftirqd/1") seen_ksoftirqd = !seen_user_thread;
  }
  EXPECT_TRUE(seen_ksoftirqd);
  EXPECT_EQ(BuildVerdict(r).items.size(), std::min<size_t>(3, r.findings.size()));
}

TEST(VerdictTest, QuietTraceSaysNothingStarved) {
  Report r = Analyze("xformat.ftrace.txt.zst");
  r.findings.clear();
  Verdict v = BuildVerdict(r);
  EXPECT_TRUE(v.items.empty());
  EXPECT_EQ(v.summary.rfind("No thread starved", 0), 0u) << v.summary;
}

}  // namespace
}  // namespace kstarve
