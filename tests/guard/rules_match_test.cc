// Matching, first-match order, Apply, Describe, and the example rule files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "rules_test_util.h"

namespace kstarve::guard::testing {
namespace {

std::string ReadExample(const std::string& name) {
  std::ifstream in(std::string(KSTARVE_RULES_EXAMPLES) + "/" + name);
  EXPECT_TRUE(in.good()) << "cannot read example " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RuleSet Example(const std::string& name) {
  Result<RuleSet> r = ParseRules(ReadExample(name), name);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r.value() : RuleSet{};
}

// The synthetic machine of the seed incidents.
struct Threads {
  ThreadInfo dio_kworker = Kworker(101, "kworker/1:2-dio/vda", 1, "dio/vda");
  ThreadInfo events_kworker = Kworker(102, "kworker/1:3-events", 1, "events");
  ThreadInfo idle_kworker_cpu0 = Kworker(103, "kworker/0:1", 0, "");
  ThreadInfo unbound_kworker = Kworker(104, "kworker/u8:0", -1, "");
  ThreadInfo ksoftirqd = KernelThread(105, "ksoftirqd/1", 1);
  ThreadInfo migration = KernelThread(106, "migration/1", 1, Fifo(99));
  ThreadInfo irq_thread = KernelThread(107, "irq/24-virtio0", -1, Fifo(50));
  ThreadInfo rt_service = UserThread(201, "vip_monitor", "vip_monitor", Fifo(50));
  ThreadInfo fio = UserThread(202, "fio", "fio", Fair(0));
};

bool RuleMatches(const RuleSet& set, const ThreadInfo& t) {
  return FirstMatch(set, t) != nullptr;
}

TEST(RulesMatch, SeedKsoftirqdAboveTheRtService) {
  RuleSet set = Example("nutanix-ksoftirqd.toml");
  Threads t;
  EXPECT_TRUE(RuleMatches(set, t.ksoftirqd));
  EXPECT_FALSE(RuleMatches(set, t.dio_kworker));
  EXPECT_FALSE(RuleMatches(set, t.rt_service));
  ASSERT_EQ(set.rules.size(), 1u);
  SchedAttrs boosted = Apply(set.rules[0].action, t.ksoftirqd.attrs);
  EXPECT_EQ(boosted.policy, Policy::kFifo);
  EXPECT_GT(boosted.rt_priority, t.rt_service.attrs.rt_priority);
  EXPECT_LT(boosted.rt_priority, kUnsafeRtPriority);
}

TEST(RulesMatch, SeedAllKernelThreadsRr10) {
  RuleSet set = Example("nutanix-all-kthreads-rr10.toml");
  Threads t;
  for (const ThreadInfo* k : {&t.dio_kworker, &t.events_kworker, &t.unbound_kworker, &t.ksoftirqd}) {
    SCOPED_TRACE(k->comm);
    ASSERT_TRUE(RuleMatches(set, *k));
    SchedAttrs a = Apply(FirstMatch(set, *k)->action, k->attrs);
    EXPECT_EQ(a.policy, Policy::kRr);
    EXPECT_EQ(a.rt_priority, 10);
  }
  // RT-by-design kernel threads are not lowered; user threads are untouched.
  EXPECT_FALSE(RuleMatches(set, t.migration));
  EXPECT_FALSE(RuleMatches(set, t.irq_thread));
  EXPECT_FALSE(RuleMatches(set, t.rt_service));
  EXPECT_FALSE(RuleMatches(set, t.fio));
}

TEST(RulesMatch, SeedDioKworkersNice20) {
  RuleSet set = Example("fsdevel-dio-kworker-nice.toml");
  Threads t;
  ASSERT_EQ(set.rules.size(), 2u);
  // Rule 1: by workqueue, on any CPU.
  EXPECT_TRUE(Matches(set.rules[0].match, t.dio_kworker));
  EXPECT_TRUE(Matches(set.rules[0].match, Kworker(110, "kworker/0:0-dio/sda", 0, "dio/sda")));
  EXPECT_FALSE(Matches(set.rules[0].match, t.events_kworker));
  EXPECT_FALSE(Matches(set.rules[0].match, t.unbound_kworker));
  EXPECT_FALSE(Matches(set.rules[0].match, t.ksoftirqd));
  // Rule 2: every kworker of CPU 1, whatever it serves.
  EXPECT_TRUE(Matches(set.rules[1].match, t.events_kworker));
  EXPECT_FALSE(Matches(set.rules[1].match, t.idle_kworker_cpu0));
  EXPECT_FALSE(Matches(set.rules[1].match, t.unbound_kworker));
  EXPECT_EQ(FirstMatch(set, t.dio_kworker), &set.rules[0]);
  EXPECT_EQ(FirstMatch(set, t.events_kworker), &set.rules[1]);
  SchedAttrs a = Apply(set.rules[0].action, t.dio_kworker.attrs);
  EXPECT_EQ(a.policy, Policy::kOther);
  EXPECT_EQ(a.nice, -20);
}

TEST(RulesMatch, EveryExampleParsesWithoutForce) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(KSTARVE_RULES_EXAMPLES)) {
    if (entry.path().extension() != ".toml") continue;
    ++files;
    SCOPED_TRACE(entry.path().string());
    RuleSet set = Example(entry.path().filename().string());
    EXPECT_FALSE(set.rules.empty());
    EXPECT_TRUE(set.warnings.empty()) << set.warnings.front();
  }
  EXPECT_GE(files, 6);
}

TEST(RulesMatch, CommGlobIgnoresTheKworkerSuffix) {
  RuleSet set = MustParse("[[rule]]\nname = \"r\"\nmatch = { comm = \"kworker/1:2\" }\naction = { nice = 1 }\n");
  EXPECT_TRUE(RuleMatches(set, Kworker(1, "kworker/1:2-dio/vda", 1, "dio/vda")));
  EXPECT_TRUE(RuleMatches(set, Kworker(1, "kworker/1:2", 1, "")));
  EXPECT_FALSE(RuleMatches(set, Kworker(1, "kworker/1:23", 1, "")));
}

TEST(RulesMatch, RegexIsAFullMatch) {
  RuleSet set =
      MustParse("[[rule]]\nname = \"r\"\nmatch = { comm_regex = \"ksoftirqd/[0-3]\" }\naction = { nice = 1 }\n");
  EXPECT_TRUE(RuleMatches(set, KernelThread(1, "ksoftirqd/3", 3)));
  EXPECT_FALSE(RuleMatches(set, KernelThread(1, "ksoftirqd/13", 13)));
  EXPECT_FALSE(RuleMatches(set, UserThread(1, "my-ksoftirqd/1", "x", Fair(0))));
}

TEST(RulesMatch, CpusAndProcess) {
  RuleSet set = MustParse(
      "[[rule]]\nname = \"pinned fio\"\nmatch = { process = \"fio\", cpus = \"1\" }\naction = { nice = 1 }\n");
  ThreadInfo pinned = UserThread(1, "fio", "fio", Fair(0));
  pinned.attrs.affinity = {1};
  ThreadInfo floating = UserThread(2, "fio", "fio", Fair(0));  // affinity 0-1
  ThreadInfo other = UserThread(3, "dd", "dd", Fair(0));
  other.attrs.affinity = {1};
  EXPECT_TRUE(RuleMatches(set, pinned));
  EXPECT_FALSE(RuleMatches(set, floating));
  EXPECT_FALSE(RuleMatches(set, other));
}

TEST(RulesMatch, FirstMatchWins) {
  RuleSet set = MustParse(
      "[[rule]]\nname = \"a\"\nmatch = { comm = \"ksoftirqd/*\" }\naction = { policy = \"fifo\", priority = 2 }\n"
      "[[rule]]\nname = \"b\"\nmatch = { kernel_thread = true }\naction = { nice = -5 }\n");
  Threads t;
  ASSERT_NE(FirstMatch(set, t.ksoftirqd), nullptr);
  EXPECT_EQ(FirstMatch(set, t.ksoftirqd)->name, "a");
  EXPECT_EQ(FirstMatch(set, t.dio_kworker)->name, "b");
  EXPECT_EQ(FirstMatch(set, t.fio), nullptr);
}

TEST(RulesApply, NiceMakesAFairThreadAndKeepsBatch) {
  RuleAction a;
  a.nice = -20;
  SchedAttrs from_fifo = Apply(a, Fifo(10));
  EXPECT_EQ(from_fifo.policy, Policy::kOther);
  EXPECT_EQ(from_fifo.rt_priority, 0);
  EXPECT_EQ(from_fifo.nice, -20);
  SchedAttrs batch = Fair(3);
  batch.policy = Policy::kBatch;
  EXPECT_EQ(Apply(a, batch).policy, Policy::kBatch);
  EXPECT_EQ(Apply(a, batch).nice, -20);
}

TEST(RulesApply, PolicyPriorityDeadlineAffinity) {
  RuleAction rr;
  rr.policy = Policy::kRr;
  rr.priority = 10;
  SchedAttrs from = Fair(5);
  from.affinity = {0, 1};
  SchedAttrs a = Apply(rr, from);
  EXPECT_EQ(a.policy, Policy::kRr);
  EXPECT_EQ(a.rt_priority, 10);
  EXPECT_EQ(a.nice, 5);  // kept, as the kernel keeps it
  EXPECT_EQ(a.affinity, (std::vector<int>{0, 1}));

  RuleAction dl;
  dl.policy = Policy::kDeadline;
  dl.runtime_ns = 200'000;
  dl.deadline_ns = dl.period_ns = 10'000'000;
  dl.affinity = {0};
  SchedAttrs d = Apply(dl, a);
  EXPECT_EQ(d.policy, Policy::kDeadline);
  EXPECT_EQ(d.rt_priority, 0);
  EXPECT_EQ(d.dl_runtime_ns, 200'000u);
  EXPECT_EQ(d.affinity, (std::vector<int>{0}));
  EXPECT_EQ(Describe(d), "deadline 200000/10000000 cpus 0");

  RuleAction back;
  back.policy = Policy::kOther;
  SchedAttrs o = Apply(back, d);
  EXPECT_EQ(o.dl_runtime_ns, 0u);
  EXPECT_EQ(o.dl_period_ns, 0u);
}

TEST(RulesDescribe, AttrsAndRules) {
  EXPECT_EQ(Describe(Fifo(51)), "fifo 51");
  EXPECT_EQ(Describe(Fair(-20)), "other nice -20");
  SchedAttrs a = Fair(0);
  a.policy = Policy::kIdle;
  a.affinity = {0, 1, 2, 3, 5};
  EXPECT_EQ(Describe(a), "idle cpus 0-3,5");
  SchedAttrs dl;
  dl.policy = Policy::kDeadline;
  dl.dl_runtime_ns = 1000;
  dl.dl_deadline_ns = 2000;
  dl.dl_period_ns = 3000;
  EXPECT_EQ(Describe(dl), "deadline 1000/2000/3000");
  EXPECT_STREQ(PolicyName(static_cast<Policy>(7)), "unknown");

  RuleSet set = Example("fsdevel-dio-kworker-nice.toml");
  ASSERT_EQ(set.rules.size(), 2u);
  EXPECT_EQ(DescribeMatch(set.rules[0].match),
            "kernel threads named like 'kworker/*', serving a workqueue like 'dio/*'");
  EXPECT_EQ(DescribeMatch(set.rules[1].match), "kernel threads named like 'kworker/*', bound to CPU 1");
  EXPECT_EQ(DescribeAction(set.rules[0].action), "nice -20 (policy other, or batch if it is batch)");
}

}  // namespace
}  // namespace kstarve::guard::testing
