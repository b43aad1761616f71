// Record-header parsing of `perf script` output.
#include "readers/perf_script_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace kstarve {
namespace {

class PerfLineTest : public ::testing::Test {
 protected:
  ParsedLine Parse(std::string_view line) {
    ParsedLine out;
    parser_.Parse(line, out);
    return out;
  }
  std::string_view Str(StrId id) { return strings_.Get(id); }

  StringInterner strings_;
  PerfScriptParser parser_{strings_};
};

TEST_F(PerfLineTest, DefaultOutputOfPerf61) {
  ParsedLine p = Parse(
      "            perf  8931 [000]  1209.092438:                sched:sched_switch: prev_comm=perf prev_pid=8931 "
      "prev_prio=120 prev_state=D ==> next_comm=migration/0 next_pid=18 next_prio=0");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(p.event.kind, EventKind::kSwitch);
  EXPECT_EQ(Str(p.event.pid_comm), "perf");
  EXPECT_EQ(p.event.pid, 8931);
  EXPECT_EQ(p.event.cpu, 0);
  EXPECT_EQ(p.event.ts, 1209'092'438'000);
  EXPECT_EQ(p.event.state, kStateD);
  EXPECT_EQ(Str(p.event.comm2), "migration/0");
  EXPECT_EQ(p.event.prio2, 0);
}

TEST_F(PerfLineTest, CommWithSpacesAndDashes) {
  ParsedLine p = Parse(
      "       CPU 3/KVM  2950 [014]   576.161435: sched:sched_waking: comm=vhost-2920 pid=2941 prio=120 "
      "target_cpu=014");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(Str(p.event.pid_comm), "CPU 3/KVM");
  EXPECT_EQ(p.event.pid, 2950);
  EXPECT_EQ(p.event.cpu, 14);
  p = Parse(
      " kworker/1:1-mm_    41 [001]  1209.126537: workqueue:workqueue_execute_start: work struct "
      "0xffff8881025a1020: function virtio_transport_tx_work");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(Str(p.event.pid_comm), "kworker/1:1-mm_");
  EXPECT_EQ(Str(p.event.comm), "virtio_transport_tx_work");
}

TEST_F(PerfLineTest, PidTidColumnNanosecondsAndNoCpu) {
  ParsedLine p = Parse(
      "            perf  8931/8932  [000]  1209.092428916:          sched:sched_stat_runtime: comm=perf pid=8932 "
      "runtime=296194 [ns]");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(p.event.pid, 8932);  // the thread
  EXPECT_EQ(p.event.ts, 1209'092'428'916);
  EXPECT_EQ(p.event.value, 296194u);
  p = Parse("perf 8987 1220.484064: sched:sched_waking: comm=migration/0 pid=18 prio=0 target_cpu=000");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(p.event.cpu, -1);
  EXPECT_EQ(p.event.tid, 18);
}

TEST_F(PerfLineTest, OtherEventsCallchainsAndFtraceLines) {
  EXPECT_EQ(Parse("  swapper     0 [000]  1.000000: sched:sched_wake_idle_without_ipi: cpu=1").kind,
            LineKind::kOtherEvent);
  EXPECT_EQ(Parse("  swapper     0 [000]  1.000000:     250000 cycles:  ffffffff81000000 foo+0x0 ([kernel])").kind,
            LineKind::kOtherEvent);
  EXPECT_EQ(Parse("\tffffffff813b4986 try_to_wake_up+0x3b6 ([kernel.kallsyms])").kind, LineKind::kNotRecord);
  EXPECT_EQ(Parse("\t          146f2c [unknown] (/usr/bin/perf)").kind, LineKind::kNotRecord);
  EXPECT_EQ(Parse("            bash-4042    [000] d..2.   500.397909: sched_wakeup_new: comm=bash pid=4047 prio=120 "
                  "target_cpu=001")
                .kind,
            LineKind::kNotRecord);
  EXPECT_EQ(Parse("           bash-8604  [000]  1177.764614: sched_process_fork:   comm=bash pid=8604 "
                  "child_comm=bash child_pid=8606")
                .kind,
            LineKind::kNotRecord);
  EXPECT_EQ(Parse("# ========").kind, LineKind::kNotRecord);
}

TEST_F(PerfLineTest, ProseBeforeAHeaderOnOneLineIsNoComm) {
  // A mail whose trace lost its line breaks: no 100-byte comm exists.
  EXPECT_EQ(Parse("Hi fsdevel, I wanted to get your opinion on the following scenario where we are running into "
                  "disk/iops perf issues -- fio 28143 [011] 2038.648954: sched:sched_waking: comm=kworker/11:68 "
                  "pid=27489 prio=120 target_cpu=011")
                .kind,
            LineKind::kNotRecord);
}

TEST_F(PerfLineTest, MalformedPayload) {
  ParsedLine p = Parse("  a  1 [000]  1.000000: irq:irq_handler_entry: irq=x name=y");
  ASSERT_EQ(p.kind, LineKind::kMalformed);
  EXPECT_EQ(p.event_name, "irq_handler_entry");
  EXPECT_STREQ(p.problem, "expected irq=<number>");
}

TEST_F(PerfLineTest, EveryPrefixOfARecordParsesOrIsCounted) {
  const std::string line =
      "       CPU 3/KVM  2950/2950 [014]   576.161435123: sched:sched_switch: prev_comm=CPU 3/KVM prev_pid=2950 "
      "prev_prio=120 prev_state=R+ ==> next_comm=vhost-2920 next_pid=2941 next_prio=120";
  for (size_t n = 0; n <= line.size(); ++n) {
    std::string prefix = line.substr(0, n);
    ParsedLine p = Parse(prefix);
    EXPECT_NE(p.kind, LineKind::kMarker) << n;
  }
}

}  // namespace
}  // namespace kstarve
