// The "why" a report gives once it knows policies and cgroup weights.
#include "analysis/sched_context.h"

#include <gtest/gtest.h>

namespace kstarve {
namespace {

ContextSnapshot MachineWithFio(int fio_policy, int fio_rt_priority, const std::string& fio_cgroup,
                               std::optional<uint64_t> shares) {
  ContextSnapshot c;
  c.kernel_release = "6.18.44";
  c.knobs.rt_runtime_us = 950000;
  c.knobs.rt_period_us = 1000000;
  ThreadContext kworker;
  kworker.pid = 23;
  kworker.comm = "kworker/1:0";
  kworker.kernel_thread = true;
  kworker.cgroup.path = "/";
  c.threads[23] = kworker;
  ThreadContext fio;
  fio.pid = 4242;
  fio.comm = "fio";
  fio.policy = fio_policy;
  fio.rt_priority = fio_rt_priority;
  fio.cgroup.path = fio_cgroup;
  fio.cgroup.cpu_shares = shares;
  c.threads[4242] = fio;
  return c;
}

Antagonist Fio(const ContextSnapshot& c) {
  Antagonist a;
  a.pid = 4242;
  a.comm = "fio";
  a.sched = SchedInfoFor(c, 4242);
  return a;
}

TEST(SchedContextTest, NiceWeightsAreTheKernelTable) {
  EXPECT_EQ(NiceWeight(0), 1024u);
  EXPECT_EQ(NiceWeight(-20), 88761u);
  EXPECT_EQ(NiceWeight(19), 15u);
  EXPECT_EQ(NiceWeight(-5), 3121u);
}

TEST(SchedContextTest, CgroupWeightExplainsFairShare) {
  ContextSnapshot c = MachineWithFio(0, 0, "/kstarve-fio", 262144);
  SchedInfo victim = SchedInfoFor(c, 23);
  ASSERT_TRUE(victim.known);
  EXPECT_EQ(EffectiveWeight(victim), 1024u);
  EXPECT_EQ(EffectiveWeight(Fio(c).sched), 262144u);
  std::string why = ExplainPreference("kworker/1:0 (23)", victim, Fio(c), nullptr);
  EXPECT_NE(why.find("cgroup /kstarve-fio"), std::string::npos) << why;
  EXPECT_NE(why.find("cpu.shares 262144"), std::string::npos) << why;
  EXPECT_NE(why.find("99.6 %"), std::string::npos) << why;  // 262144 / (262144 + 1024)
}

TEST(SchedContextTest, V2WeightIsScaledToShares) {
  SchedInfo s;
  s.known = true;
  s.policy = "other";
  s.cgroup = "/k8s/pod";
  s.cpu_weight = 10000;
  EXPECT_EQ(EffectiveWeight(s), 102400u);
}

TEST(SchedContextTest, RtPolicyExplainsPreemption) {
  ContextSnapshot c = MachineWithFio(1, 10, "/", std::nullopt);
  ContextSummary summary = SummarizeContext(c, "x.context.json");
  std::string why = ExplainPreference("kworker/1:0 (23)", SchedInfoFor(c, 23), Fio(c), &summary);
  EXPECT_NE(why.find("SCHED_FIFO 10"), std::string::npos) << why;
  EXPECT_NE(why.find("SCHED_OTHER nice 0"), std::string::npos) << why;
  EXPECT_NE(why.find("sched_rt_runtime_us 950000"), std::string::npos) << why;
}

TEST(SchedContextTest, UnknownThreadGivesNoExplanation) {
  ContextSnapshot c = MachineWithFio(0, 0, "/", std::nullopt);
  Antagonist stranger;
  stranger.pid = 7;
  stranger.comm = "x";
  stranger.sched = SchedInfoFor(c, 7);
  EXPECT_FALSE(stranger.sched.known);
  EXPECT_EQ(ExplainPreference("kworker/1:0 (23)", SchedInfoFor(c, 23), stranger, nullptr), "");
}

}  // namespace
}  // namespace kstarve
