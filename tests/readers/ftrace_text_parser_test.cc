// Record-header and marker parsing of ftrace text and trace-cmd report lines.
#include "readers/ftrace_text_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace kstarve {
namespace {

class FtraceLineTest : public ::testing::Test {
 protected:
  ParsedLine Parse(std::string_view line) {
    ParsedLine out;
    parser_.Parse(line, out);
    return out;
  }
  std::string_view Str(StrId id) { return strings_.Get(id); }

  StringInterner strings_;
  FtraceTextParser parser_{strings_};
};

TEST_F(FtraceLineTest, KernelTraceFileLineWithFiveFlagColumns) {
  // From /sys/kernel/tracing/trace on Linux 6.18.
  ParsedLine p = Parse(
      "            bash-4042    [000] d..2.   500.397909: sched_wakeup_new: comm=bash pid=4047 prio=120 "
      "target_cpu=001");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(p.event.kind, EventKind::kWakeupNew);
  EXPECT_EQ(p.event.ts, 500'397'909'000);
  EXPECT_EQ(p.event.cpu, 0);
  EXPECT_EQ(p.event.pid, 4042);
  EXPECT_EQ(Str(p.event.pid_comm), "bash");
  EXPECT_EQ(p.event.tid, 4047);
  EXPECT_EQ(Str(p.event.comm), "bash");
  EXPECT_EQ(p.event.prio, 120);
  EXPECT_EQ(p.event.arg, 1);
  EXPECT_FALSE(p.trace_cmd_hint);
}

TEST_F(FtraceLineTest, FourFlagColumnsOfOlderKernels) {
  ParsedLine p = Parse(
      "          <idle>-0     [003] d..2  1234.567890: sched_switch: prev_comm=swapper/3 prev_pid=0 "
      "prev_prio=120 prev_state=R ==> next_comm=kworker/3:1 next_pid=77 next_prio=120");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(p.event.cpu, 3);
  EXPECT_EQ(p.event.pid, 0);
  EXPECT_EQ(Str(p.event.pid_comm), "<idle>");
  EXPECT_EQ(p.event.tid, 0);
  EXPECT_EQ(Str(p.event.comm), "swapper/3");
  EXPECT_EQ(p.event.state, kStateRunnable);
  EXPECT_EQ(p.event.tid2, 77);
  EXPECT_EQ(Str(p.event.comm2), "kworker/3:1");
  EXPECT_EQ(p.event.prio2, 120);
}

TEST_F(FtraceLineTest, NoFlagsColumnAsTraceCmdReportPrints) {
  ParsedLine p = Parse(
      "           bash-8604  [000]  1177.764614: sched_process_fork:   comm=bash pid=8604 child_comm=bash "
      "child_pid=8606");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(p.event.kind, EventKind::kFork);
  EXPECT_EQ(p.event.ts, 1177'764'614'000);
  EXPECT_EQ(p.event.tid, 8604);
  EXPECT_EQ(p.event.tid2, 8606);
  EXPECT_EQ(Str(p.event.comm2), "bash");
}

TEST_F(FtraceLineTest, TgidColumnUnknownAndKnown) {
  ParsedLine p = Parse(
      "          <idle>-0       (-------) [000] dNh4.  1002.963903: sched_wakeup: comm=memfd:sealed-91 "
      "pid=2811 prio=120 target_cpu=000");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(p.event.pid, 0);
  EXPECT_EQ(p.event.cpu, 0);
  EXPECT_EQ(Str(p.event.comm), "memfd:sealed-91");
  p = Parse(
      " memfd:sealed-91-2811    (   2811) [001] d..2.  1002.963927: sched_stat_runtime: comm=memfd:sealed-91 "
      "pid=2811 runtime=25579 [ns]");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(Str(p.event.pid_comm), "memfd:sealed-91");
  EXPECT_EQ(p.event.pid, 2811);
  EXPECT_EQ(p.event.cpu, 1);
  EXPECT_EQ(p.event.value, 25579u);
}

TEST_F(FtraceLineTest, CommWithSpacesAndDashesTakesTheLastDashDigits) {
  ParsedLine p = Parse(
      "CPU 3/KVM-2950 [014] d.... 576.161435: sched_switch: prev_comm=CPU 3/KVM prev_pid=2950 prev_prio=120 "
      "prev_state=S ==> next_comm=vhost-2920 next_pid=2941 next_prio=120");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(Str(p.event.pid_comm), "CPU 3/KVM");
  EXPECT_EQ(p.event.pid, 2950);
  EXPECT_EQ(Str(p.event.comm), "CPU 3/KVM");
  EXPECT_EQ(p.event.state, kStateS);
  EXPECT_EQ(Str(p.event.comm2), "vhost-2920");
  EXPECT_EQ(p.event.tid2, 2941);

  p = Parse("vhost-2920-2941 [014] D.... 576.161439: sched_waking: comm=vhost-2286 pid=2309 prio=120 target_cpu=008");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(Str(p.event.pid_comm), "vhost-2920");
  EXPECT_EQ(p.event.pid, 2941);
  EXPECT_EQ(p.event.arg, 8);
}

TEST_F(FtraceLineTest, CommContainingBracketsStillFindsTheCpuColumn) {
  ParsedLine p = Parse("  odd [1] name-77   [002] ..... 10.000001: sched_waking: comm=x pid=5 prio=120 target_cpu=002");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(Str(p.event.pid_comm), "odd [1] name");
  EXPECT_EQ(p.event.pid, 77);
  EXPECT_EQ(p.event.cpu, 2);
}

TEST_F(FtraceLineTest, UnknownCommIsEmpty) {
  ParsedLine p =
      Parse("           <...>-1234  [001] d..3 100.000001: sched_waking: comm=a pid=1 prio=120 target_cpu=001");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(p.event.pid, 1234);
  EXPECT_EQ(p.event.pid_comm, kNoStr);
}

TEST_F(FtraceLineTest, NanosecondTimestampsAreExact) {
  ParsedLine p = Parse("  a-1 [000] ..... 12345.123456789: softirq_entry: vec=1 [action=TIMER]");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(p.event.ts, 12345'123'456'789);
  p = Parse("  a-1 [000] ..... 576.161478: softirq_exit: vec=1 [action=TIMER]");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_EQ(p.event.ts, 576'161'478'000);  // exactly, no floating point
}

TEST_F(FtraceLineTest, TraceCmdInstancePrefix) {
  ParsedLine p = Parse(
      "kstarve-readers:        trace-cmd-8598  [001]  1177.767933: sched_switch:         trace-cmd:8598 [120] R "
      "==> bash:8607 [120]");
  ASSERT_EQ(p.kind, LineKind::kEvent);
  EXPECT_TRUE(p.trace_cmd_hint);
  EXPECT_EQ(Str(p.event.pid_comm), "trace-cmd");
  EXPECT_EQ(p.event.pid, 8598);
  EXPECT_EQ(p.event.tid, 8598);
  EXPECT_EQ(Str(p.event.comm), "trace-cmd");
  EXPECT_EQ(p.event.prio, 120);
  EXPECT_EQ(p.event.state, kStateRunnable);
  EXPECT_EQ(p.event.tid2, 8607);
  EXPECT_EQ(Str(p.event.comm2), "bash");
}

TEST_F(FtraceLineTest, LostEventsMarkers) {
  ParsedLine p = Parse("CPU:1 [LOST 399993 EVENTS]");
  ASSERT_EQ(p.kind, LineKind::kMarker);
  EXPECT_EQ(p.event.kind, EventKind::kLost);
  EXPECT_EQ(p.event.cpu, 1);
  EXPECT_EQ(p.event.value, 399993u);
  p = Parse("CPU:7 [204600 EVENTS DROPPED]");
  ASSERT_EQ(p.kind, LineKind::kMarker);
  EXPECT_EQ(p.event.cpu, 7);
  EXPECT_EQ(p.event.value, 204600u);
  EXPECT_TRUE(p.trace_cmd_hint);
  p = Parse("CPU:2 [EVENTS DROPPED]");
  ASSERT_EQ(p.kind, LineKind::kMarker);
  EXPECT_EQ(p.event.value, 0u);
  EXPECT_EQ(Parse("CPU:2 [LOST many EVENTS]").kind, LineKind::kNotRecord);
}

// trace-cmd report of a -B recording puts the instance name before them.
TEST_F(FtraceLineTest, InstancePrefixedLostEventsMarkers) {
  ParsedLine p = Parse("kstarve_td: CPU:0 [3211 EVENTS DROPPED]");
  ASSERT_EQ(p.kind, LineKind::kMarker);
  EXPECT_EQ(p.event.kind, EventKind::kLost);
  EXPECT_EQ(p.event.cpu, 0);
  EXPECT_EQ(p.event.value, 3211u);
  EXPECT_TRUE(p.trace_cmd_hint);
  p = Parse("kstarve-td.2:   CPU:13 [LOST 77 EVENTS]");
  ASSERT_EQ(p.kind, LineKind::kMarker);
  EXPECT_EQ(p.event.cpu, 13);
  EXPECT_EQ(p.event.value, 77u);
  p = Parse("inst: CPU:1 [EVENTS DROPPED]");
  ASSERT_EQ(p.kind, LineKind::kMarker);
  EXPECT_EQ(p.event.value, 0u);
  EXPECT_EQ(Parse("inst: CPU:1 [LOST x EVENTS]").kind, LineKind::kNotRecord);
  EXPECT_EQ(Parse("inst CPU:1 [3 EVENTS DROPPED]").kind, LineKind::kNotRecord);
  // A prefixed record is still a record, not a marker.
  p = Parse(
      "kstarve_td:            clang-21665 [000]  6774.479919365: sched_stat_runtime:   comm=clang pid=21665 "
      "runtime=8226 [ns]");
  EXPECT_NE(p.kind, LineKind::kMarker);
  EXPECT_NE(p.kind, LineKind::kNotRecord);
}

TEST_F(FtraceLineTest, CpuBufferStartedMarker) {
  ParsedLine p = Parse("##### CPU 13 buffer started ####");
  ASSERT_EQ(p.kind, LineKind::kMarker);
  EXPECT_EQ(p.event.kind, EventKind::kCpuStart);
  EXPECT_EQ(p.event.cpu, 13);
  EXPECT_EQ(Parse("# tracer: nop").kind, LineKind::kNotRecord);
  EXPECT_EQ(Parse("#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION").kind, LineKind::kNotRecord);
}

TEST_F(FtraceLineTest, OtherEventsAreRecordsButNotParsed) {
  EXPECT_EQ(Parse("CPU 3/KVM-2950 [014] d.... 576.161433: sched_place: comm=vhost-2920 pid=2941 sev=1 cpu=14").kind,
            LineKind::kOtherEvent);
  EXPECT_EQ(Parse("  bash-1 [000] ..... 1.000000: tracing_mark_write: hello").kind, LineKind::kOtherEvent);
  // The function tracer prints no event name.
  EXPECT_EQ(Parse("  bash-1 [000] d..1 1.000000: do_sys_open <-__x64_sys_openat").kind, LineKind::kOtherEvent);
}

TEST_F(FtraceLineTest, NonTraceLinesAreNotRecords) {
  for (std::string_view line : {
           "",
           "   ",
           "--> migrates task from cpu 15 to 14",
           "Hi,",
           "CPU 2/KVM:(2) | 5399.650 ms | 108698 | avg: 0.003 ms | max: 3.077 ms | max start: 544.090322 s",
           "[    0.000000] Linux version 6.18.0",
           "cpus=2",
           "version = 6",
           "CPU 0 is empty",
           "            perf  8931 [000]  1209.092428:          sched:sched_stat_runtime: comm=perf pid=8931 "
           "runtime=296194 [ns]",
       }) {
    EXPECT_EQ(Parse(line).kind, LineKind::kNotRecord) << line;
  }
}

TEST_F(FtraceLineTest, MalformedPayloadNamesTheEventAndTheExpectation) {
  ParsedLine p = Parse("  a-1 [000] ..... 1.000000: sched_switch: prev_comm=a prev_pid=x prev_prio=120");
  ASSERT_EQ(p.kind, LineKind::kMalformed);
  EXPECT_EQ(p.event_name, "sched_switch");
  EXPECT_STREQ(p.problem, "expected prev_pid=<number>");
}

TEST_F(FtraceLineTest, EveryPrefixOfARecordParsesOrIsCounted) {
  const std::string line =
      "  CPU 3/KVM-2950   (   2950) [014] dNh1. 576.161435123: sched_switch: prev_comm=CPU 3/KVM prev_pid=2950 "
      "prev_prio=120 prev_state=D|K ==> next_comm=vhost-2920 next_pid=2941 next_prio=120";
  for (size_t n = 0; n <= line.size(); ++n) {
    // Copy so that address sanitizer sees reads past the prefix.
    std::string prefix = line.substr(0, n);
    ParsedLine p = Parse(prefix);
    EXPECT_TRUE(p.kind == LineKind::kNotRecord || p.kind == LineKind::kOtherEvent || p.kind == LineKind::kMalformed ||
                p.kind == LineKind::kEvent)
        << n;
  }
}

}  // namespace
}  // namespace kstarve
