// Payload parsing shared by every text format: TP_printk forms, trace-cmd
// report -R raw fields, trace-cmd plugin short forms and prev_state.
#include <gtest/gtest.h>

#include "readers/key_values.h"
#include "readers/payload_parser.h"
#include "readers/task_state.h"

namespace kstarve {
namespace {

class PayloadTest : public ::testing::Test {
 protected:
  Event Parse(EventKind kind, std::string_view payload, PayloadResult* result = nullptr) {
    Event e;
    e.kind = kind;
    PayloadResult r = ParsePayload(payload, comms_, e);
    if (result != nullptr) *result = r;
    EXPECT_EQ(r.problem, nullptr) << payload << ": " << r.problem;
    return e;
  }
  const char* Problem(EventKind kind, std::string_view payload) {
    Event e;
    e.kind = kind;
    return ParsePayload(payload, comms_, e).problem;
  }
  std::string_view Str(StrId id) { return strings_.Get(id); }

  StringInterner strings_;
  CommCache comms_{strings_};
};

uint16_t State(std::string_view text) {
  uint16_t s = 0xffff;
  EXPECT_TRUE(ParsePrevState(text, s)) << text;
  return s;
}

TEST(TaskStateTest, KernelLetters) {
  EXPECT_EQ(State("R"), kStateRunnable);
  EXPECT_EQ(State("R+"), kStatePreempted);
  EXPECT_TRUE(StaysRunnable(State("R+")));
  EXPECT_EQ(State("S"), kStateS);
  EXPECT_EQ(State("D"), kStateD);
  EXPECT_EQ(State("T"), kStateT);
  EXPECT_EQ(State("t"), kStatet);
  EXPECT_EQ(State("X"), kStateX);
  EXPECT_EQ(State("Z"), kStateZ);
  EXPECT_EQ(State("P"), kStateP);
  EXPECT_EQ(State("I"), kStateI);
  EXPECT_EQ(State("S|D"), kStateS | kStateD);
  // Letters of older kernels (K wakekill, W waking, N noload) still mean asleep.
  EXPECT_FALSE(StaysRunnable(State("D|K")));
  EXPECT_TRUE(State("D|K") & kStateD);
  EXPECT_FALSE(StaysRunnable(State("W")));
  EXPECT_FALSE(StaysRunnable(State("D|W")));
  uint16_t s;
  EXPECT_FALSE(ParsePrevState("", s));
  EXPECT_FALSE(ParsePrevState("+", s));
  EXPECT_FALSE(ParsePrevState("S?", s));
}

TEST(TaskStateTest, RawNumbersOf5xTo6xKernels) {
  // __trace_sched_switch_state: 0 running, one TASK_REPORT bit when
  // sleeping, TASK_REPORT_MAX (0x100) when preempted.
  EXPECT_EQ(State("0"), kStateRunnable);
  EXPECT_EQ(State("1"), kStateS);
  EXPECT_EQ(State("2"), kStateD);
  EXPECT_EQ(State("32"), kStateZ);
  EXPECT_EQ(State("128"), kStateI);
  EXPECT_EQ(State("256"), kStatePreempted);
  EXPECT_TRUE(StaysRunnable(State("256")));
  EXPECT_TRUE(StaysRunnable(State("4096")));  // any higher "max" bit is a preemption too
  EXPECT_FALSE(StaysRunnable(State("257")));
}

TEST(TaskStateTest, TraceCmdPluginLettersUseThePluginsTable) {
  // The plugin prints bit i as "SDTtZXxW"[i], so on current kernels W is
  // TASK_REPORT_IDLE (I) and X is EXIT_ZOMBIE (Z); it never prints '+'.
  uint16_t s = 0;
  ASSERT_TRUE(ParseShortFormState("W", s));
  EXPECT_EQ(s, kStateI);
  ASSERT_TRUE(ParseShortFormState("X", s));
  EXPECT_EQ(s, kStateZ);
  ASSERT_TRUE(ParseShortFormState("Z", s));
  EXPECT_EQ(s, kStateX);
  ASSERT_TRUE(ParseShortFormState("x", s));
  EXPECT_EQ(s, kStateP);
  ASSERT_TRUE(ParseShortFormState("S|D", s));
  EXPECT_EQ(s, kStateS | kStateD);
  ASSERT_TRUE(ParseShortFormState("R", s));
  EXPECT_EQ(s, kStateRunnable);
}

TEST(KeyValuesTest, ValuesWithSpacesAndTrailingUnits) {
  KeyValues kv("prev_comm=CPU 3/KVM prev_pid=2950 prev_state=R+ ==> next_comm=a b c next_pid=1 extra=[x] y");
  std::string_view v;
  ASSERT_TRUE(kv.Get("prev_comm", v));
  EXPECT_EQ(v, "CPU 3/KVM");
  ASSERT_TRUE(kv.Get("prev_state", v));
  EXPECT_EQ(v, "R+");
  ASSERT_TRUE(kv.Get("next_comm", v));
  EXPECT_EQ(v, "a b c");
  ASSERT_TRUE(kv.Get("extra", v));
  EXPECT_EQ(v, "[x] y");
  EXPECT_FALSE(kv.Get("next", v));
  KeyValues empty_comm("comm= pid=0 sev=1");
  ASSERT_TRUE(empty_comm.Get("comm", v));
  EXPECT_EQ(v, "");
}

TEST_F(PayloadTest, SwitchByKeyInAnyOrderWithVendorFields) {
  Event e = Parse(EventKind::kSwitch,
                  "next_pid=2 prev_pid=1 vendor_field=7 prev_comm=a b prev_state=D next_comm=c next_prio=100 "
                  "prev_prio=-1 cgroup=/x y");
  EXPECT_EQ(e.tid, 1);
  EXPECT_EQ(Str(e.comm), "a b");
  EXPECT_EQ(e.prio, -1);
  EXPECT_EQ(e.state, kStateD);
  EXPECT_EQ(e.tid2, 2);
  EXPECT_EQ(Str(e.comm2), "c");
  EXPECT_EQ(e.prio2, 100);
}

TEST_F(PayloadTest, SwitchRawFromTraceCmdReportR) {
  Event e = Parse(EventKind::kSwitch,
                  "prev_comm=kworker/11:68 prev_pid=27489 prev_prio=120 prev_state=256 next_comm=fio "
                  "next_pid=28517 next_prio=120");
  EXPECT_EQ(e.state, kStatePreempted);
  EXPECT_EQ(e.tid2, 28517);
}

TEST_F(PayloadTest, SwitchShortFormOfTraceCmdPlugin) {
  PayloadResult r;
  Event e = Parse(EventKind::kSwitch, "bash:1234 [120] S ==> swapper/0:0 [120]", &r);
  EXPECT_TRUE(r.short_form);
  EXPECT_EQ(e.tid, 1234);
  EXPECT_EQ(Str(e.comm), "bash");
  EXPECT_EQ(e.prio, 120);
  EXPECT_EQ(e.state, kStateS);
  EXPECT_EQ(e.tid2, 0);
  EXPECT_EQ(Str(e.comm2), "swapper/0");
  EXPECT_EQ(e.prio2, 120);
  e = Parse(EventKind::kSwitch, "CPU 3/KVM:2950 [120] D|W ==> migration/14:85 [0]");
  EXPECT_EQ(Str(e.comm), "CPU 3/KVM");
  EXPECT_EQ(e.tid, 2950);
  EXPECT_EQ(e.state, kStateD | kStateI);
  EXPECT_EQ(e.prio2, 0);
  e = Parse(EventKind::kSwitch, "memfd:sealed-91:2811 [120] R ==> <idle>:0 [120]");
  EXPECT_EQ(Str(e.comm), "memfd:sealed-91");
  EXPECT_EQ(e.tid, 2811);
  EXPECT_STREQ(Problem(EventKind::kSwitch, "bash:1234 [120] S ==>"), "expected ==> NEXT_COMM:NEXT_PID [PRIO]");
  EXPECT_STREQ(Problem(EventKind::kSwitch, "bash:1234 [120] ==> a:1 [1]"),
               "expected a prev state (R, S, D, ...) before ==>");
}

TEST_F(PayloadTest, WakeupForms) {
  Event e = Parse(EventKind::kWaking, "comm=kworker/14:0 pid=6525 prio=120 target_cpu=014");
  EXPECT_EQ(e.tid, 6525);
  EXPECT_EQ(Str(e.comm), "kworker/14:0");
  EXPECT_EQ(e.arg, 14);
  e = Parse(EventKind::kWakeup, "comm=a pid=1 prio=120 success=1");  // no target_cpu on old kernels
  EXPECT_EQ(e.arg, -1);
  PayloadResult r;
  e = Parse(EventKind::kWakeup, "rcu_preempt:15 [120] CPU:000", &r);
  EXPECT_TRUE(r.short_form);
  EXPECT_EQ(e.tid, 15);
  EXPECT_EQ(Str(e.comm), "rcu_preempt");
  EXPECT_EQ(e.arg, 0);
  e = Parse(EventKind::kWakeupNew, "bash:8608 [120] success=1 CPU:007");
  EXPECT_EQ(e.arg, 7);
  EXPECT_STREQ(Problem(EventKind::kWaking, "comm=a pid= prio=120"), "expected pid=<number>");
  EXPECT_STREQ(Problem(EventKind::kWaking, "comm=a pid=1 prio=120 target_cpu=x"), "expected target_cpu=<number>");
}

TEST_F(PayloadTest, MigrateForkExitStats) {
  Event e = Parse(EventKind::kMigrate, "comm=vhost-2920 pid=2941 prio=120 orig_cpu=15 dest_cpu=14");
  EXPECT_EQ(e.arg, 14);
  EXPECT_EQ(e.arg2, 15);
  e = Parse(EventKind::kFork, "comm=bash pid=8604 child_comm=bash child_pid=8606");
  EXPECT_EQ(e.tid, 8604);
  EXPECT_EQ(e.tid2, 8606);
  e = Parse(EventKind::kFork, "parent_comm=bash parent_pid=8604 child_comm=sh child_pid=8606");
  EXPECT_EQ(e.tid, 8604);
  EXPECT_EQ(Str(e.comm), "bash");
  EXPECT_EQ(Str(e.comm2), "sh");
  e = Parse(EventKind::kExit, "comm=perf pid=8610 prio=120 group_dead=true");
  EXPECT_EQ(e.tid, 8610);
  EXPECT_EQ(e.prio, 120);
  e = Parse(EventKind::kStatRuntime, "comm=vhost-2920 pid=2941 runtime=13884 [ns] vruntime=4242577168 [ns]");
  EXPECT_EQ(e.value, 13884u);
  e = Parse(EventKind::kStatRuntime, "comm=bash pid=8604 runtime=499763");
  EXPECT_EQ(e.value, 499763u);
  e = Parse(EventKind::kStatWait, "comm=kworker/14:0 pid=6525 delay=39718472 [ns]");
  EXPECT_EQ(e.value, 39718472u);
  EXPECT_STREQ(Problem(EventKind::kStatWait, "comm=a pid=1"), "expected delay=<number>");
}

TEST_F(PayloadTest, IrqSoftirqWorkqueue) {
  Event e = Parse(EventKind::kIrqEntry, "irq=42 name=virtio3-tx");
  EXPECT_EQ(e.arg, 42);
  EXPECT_EQ(Str(e.comm), "virtio3-tx");
  e = Parse(EventKind::kIrqEntry, "irq=9 name=PCIe PME");
  EXPECT_EQ(Str(e.comm), "PCIe PME");
  e = Parse(EventKind::kIrqExit, "irq=42 ret=handled");
  EXPECT_EQ(e.arg, 42);
  e = Parse(EventKind::kSoftirqRaise, "vec=9 [action=RCU]");
  EXPECT_EQ(e.arg, 9);
  e = Parse(EventKind::kSoftirqEntry, "vec=1");
  EXPECT_EQ(e.arg, 1);
  e = Parse(EventKind::kWorkStart, "work struct 0xffff8881025a1020: function virtio_transport_tx_work");
  EXPECT_EQ(e.value, 0xffff8881025a1020u);
  EXPECT_EQ(Str(e.comm), "virtio_transport_tx_work");
  e = Parse(EventKind::kWorkStart, "work struct 000000004e2be60a: function neigh_managed_work");  // hashed %p
  EXPECT_EQ(e.value, 0x4e2be60au);
  e = Parse(EventKind::kWorkEnd, "work struct ffff88003e0d6d68");  // older kernels: no function
  EXPECT_EQ(e.value, 0xffff88003e0d6d68u);
  EXPECT_EQ(e.comm, kNoStr);
  e = Parse(EventKind::kWorkEnd, "work=0xffff8881025a1020 function=virtio_transport_tx_work");
  EXPECT_EQ(e.value, 0xffff8881025a1020u);
  EXPECT_EQ(Str(e.comm), "virtio_transport_tx_work");
  EXPECT_STREQ(Problem(EventKind::kWorkStart, "work struct zz: function f"), "expected work struct <address>");
  EXPECT_STREQ(Problem(EventKind::kSoftirqExit, "vec="), "expected vec=<number>");
}

}  // namespace
}  // namespace kstarve
