// The /proc and mountinfo parsers on canned text.
#include <gtest/gtest.h>

#include "context/cgroup_cpu.h"
#include "context/proc_parsers.h"

namespace kstarve {
namespace {

// A real stat line (of `cat`), with the fields the snapshot uses changed.
constexpr char kStat[] =
    "19912 (a (b) c) R 19909 19909 16397 0 -1 2097216 97 0 0 0 0 0 0 0 -51 -7 1 0 668600 3133440 408 "
    "18446744073709551615 94610152521728 94610152541609 140725674383648 0 0 0 0 0 0 0 0 0 17 0 50 1 0 0 0 "
    "94610152557616 94610152559232 94610972463104 140725674387910 140725674387930 140725674387930 140725674389483 "
    "0\n";

TEST(ProcStat, ReadsFieldsAfterACommWithParentheses) {
  Result<ProcStat> st = ParseProcStat(kStat, "t/stat");
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_EQ(st->pid, 19912);
  EXPECT_EQ(st->comm, "a (b) c");
  EXPECT_EQ(st->state, 'R');
  EXPECT_EQ(st->flags, 2097216u);
  EXPECT_TRUE(st->flags & kPfKthread);
  EXPECT_EQ(st->nice, -7);
  EXPECT_EQ(st->start_time, 668600u);
  EXPECT_EQ(st->rt_priority, 50);
  EXPECT_EQ(st->policy, 1);
}

TEST(ProcStat, TruncatedLineNamesFileAndFieldCount) {
  Result<ProcStat> st = ParseProcStat("12 (x) S 1 2 3\n", "proc/12/stat");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("proc/12/stat"), std::string::npos);
  EXPECT_NE(st.status().message().find("at least 41 fields"), std::string::npos);
}

TEST(ProcStat, NonNumericFieldIsNamed) {
  std::string bad = kStat;
  bad.replace(bad.find(" -7 "), 4, " xx ");
  Result<ProcStat> st = ParseProcStat(bad, "s");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("field 19"), std::string::npos) << st.status().message();
  EXPECT_FALSE(ParseProcStat("no parens here", "s").ok());
  EXPECT_FALSE(ParseProcStat("x1 (a) R", "s").ok());
}

TEST(ProcStatus, ReadsTgidAndAllowedCpus) {
  Result<ProcStatus> st = ParseProcStatus("Name:\tx\nTgid:\t77\nCpus_allowed_list:\t0-1,3\n", "st");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->tgid, 77);
  EXPECT_EQ(st->cpus_allowed_list, "0-1,3");
  Result<ProcStatus> bad = ParseProcStatus("Name:\tx\n", "proc/9/status");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("proc/9/status"), std::string::npos);
}

TEST(ProcCgroup, FindsV1CpuAndUnifiedPaths) {
  ProcCgroups c = ParseProcCgroup("9:name=systemd:/x\n4:cpu,cpuacct:/k8s/a:b\n2:cpuset:/\n0::/user.slice\n");
  EXPECT_EQ(c.v1_cpu, "/k8s/a:b");
  EXPECT_EQ(c.v2, "/user.slice");
  ProcCgroups only_acct = ParseProcCgroup("2:cpuacct:/a\n");
  EXPECT_EQ(only_acct.v1_cpu, "");
  EXPECT_EQ(only_acct.v2, "");
}

TEST(Mountinfo, FindsCgroupMountsWithOptionalFields) {
  const char* text =
      "31 30 0:28 / /sys/fs/cgroup/cpuacct rw shared:7 - cgroup cgroup rw,cpuacct\n"
      "32 30 0:29 /sub /sys/fs/cgroup/cpu,cpuacct rw shared:8 master:1 - cgroup cgroup rw,cpu,cpuacct\n"
      "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
      "41 22 0:13 / /sys/kernel/tracing rw,relatime - tracefs nodev rw\n";
  CgroupMounts m = ParseMountinfo(text);
  EXPECT_EQ(m.v1_cpu, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(m.v1_cpu_root, "/sub");
  EXPECT_EQ(m.v2, "/sys/fs/cgroup/unified");
  EXPECT_TRUE(MountinfoHas(text, "tracefs", "/sys/kernel/tracing"));
  EXPECT_FALSE(MountinfoHas(text, "debugfs", "/sys/kernel/debug"));
  EXPECT_EQ(ParseMountinfo("garbage\n\n").v2, "");
}

TEST(CgroupWeight, SharesConvertAsTheKernelDoes) {
  EXPECT_EQ(WeightFromShares(1024), 100u);
  EXPECT_EQ(WeightFromShares(10240), 1000u);
  EXPECT_EQ(WeightFromShares(262144), 10000u);  // clamped
  EXPECT_EQ(WeightFromShares(2), 1u);
}

}  // namespace
}  // namespace kstarve
