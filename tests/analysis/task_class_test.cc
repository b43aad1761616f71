#include "analysis/task_class.h"

#include <gtest/gtest.h>

#include "analysis/causes.h"
#include "base/format.h"

namespace kstarve {
namespace {

TEST(TaskClassTest, PerCpuKernelThreadsFromComm) {
  EXPECT_EQ(BoundCpuFromComm("kworker/1:2"), 1);
  EXPECT_EQ(BoundCpuFromComm("kworker/14:0H-kblockd"), 14);
  EXPECT_EQ(BoundCpuFromComm("kworker/1:2-dio/vda"), 1);
  EXPECT_EQ(BoundCpuFromComm("kworker/u8:3-events_unbound"), -1);
  EXPECT_EQ(BoundCpuFromComm("ksoftirqd/3"), 3);
  EXPECT_EQ(BoundCpuFromComm("rcuc/7"), 7);
  EXPECT_EQ(BoundCpuFromComm("rcuop/7"), -1);
  EXPECT_EQ(BoundCpuFromComm("irq/30-virtio0"), -1);
  EXPECT_EQ(BoundCpuFromComm("fio"), -1);
  EXPECT_EQ(BoundCpuFromComm("kworker/"), -1);
  EXPECT_EQ(KworkerSuffix("kworker/1:2-dio/vda"), "dio/vda");
}

TEST(TaskClassTest, ClassFromPrio) {
  EXPECT_EQ(ClassFromPrio(0, 120, "swapper/1"), TaskClass::kIdle);
  EXPECT_EQ(ClassFromPrio(5, -1, "dl"), TaskClass::kDeadline);
  EXPECT_EQ(ClassFromPrio(5, 89, "fio"), TaskClass::kRt);
  EXPECT_EQ(ClassFromPrio(85, 0, "migration/14"), TaskClass::kStop);
  EXPECT_EQ(ClassFromPrio(5, 120, "x"), TaskClass::kFair);
  EXPECT_EQ(RtPriority(89), 10);
  EXPECT_EQ(NiceFromPrio(100), -20);
}

TEST(CausesTest, PicksTheClassThatHeldTheCpuLongest) {
  std::vector<Antagonist> as = {{1, "a", 120, TaskClass::kFair, 6, {}}, {2, "b", 89, TaskClass::kRt, 5, {}}};
  EXPECT_EQ(ClassifyCause(11, 0, 0, as), "fair-share");
  as.push_back({3, "c", 50, TaskClass::kRt, 2, {}});
  EXPECT_EQ(ClassifyCause(13, 0, 0, as), "rt-preemption");
  EXPECT_EQ(ClassifyCause(13, 7, 0, as), "irq");
  EXPECT_EQ(ClassifyCause(13, 0, 7, as), "softirq");
  EXPECT_EQ(ClassifyCause(13, 0, 0, {{0, "<idle>", 120, TaskClass::kIdle, 13, {}}}), "unknown");
  EXPECT_EQ(ClassifyCause(13, 0, 0, {}), "unknown");
}

TEST(FormatTest, ExactDecimal) {
  EXPECT_EQ(FormatMs(39'720'000), "39.720");
  EXPECT_EQ(FormatMs(39'718'472), "39.718");
  EXPECT_EQ(FormatMs(39'718'500), "39.719");
  EXPECT_EQ(FormatSeconds(576'161'478'000), "576.161478");
  EXPECT_EQ(FormatSeconds(0), "0.000000");
  EXPECT_EQ(FormatMs(-1'500'000), "-1.500");
  EXPECT_EQ(FormatPercent(1, 4), "25.0 %");
}

}  // namespace
}  // namespace kstarve
