// The policy engine over a fake host and a fake clock: standing rules,
// drift, restores, pid reuse, boosts and their budget, deadline fallback,
// --auto escalation with hysteresis, dry-run.
#include "guard/engine.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fake_host.h"
#include "guard/journal.h"
#include "guard/rules.h"

namespace kstarve::guard {
namespace {

using testing::FakeHost;
using testing::Nice;
using testing::Rt;
using testing::TempDir;

constexpr int64_t kMs = 1'000'000;

RuleSet Rules(const std::string& text) {
  Result<RuleSet> r = ParseRules(text, "test.toml");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : RuleSet{};
}

const char* kDioRule = R"(
[[rule]]
name = "dio"
match = { comm = "kworker/*", kernel_thread = true, workqueue = "dio/*" }
action = { policy = "rr", priority = 10 }
)";

struct Fixture {
  explicit Fixture(EngineOptions o = {}, const std::string& rules_text = kDioRule)
      : rules(Rules(rules_text)), journal(std::move(*Journal::Open(dir.path()))) {
    o.self_tgid = 4242;
    engine = std::make_unique<Engine>(
        host, o.dry_run ? nullptr : journal.get(), &rules, o,
        [this](LogLevel, std::string_view text) { log.emplace_back(text); }, metrics);
  }
  std::vector<JournalEntry> Open() { return *ReadOpenEntries(journal->path()); }
  bool Logged(const std::string& needle) const {
    for (const std::string& l : log) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  TempDir dir;
  FakeHost host;
  RuleSet rules;
  std::unique_ptr<Journal> journal;
  Metrics metrics;
  std::vector<std::string> log;
  std::unique_ptr<Engine> engine;
};

Starvation Starved(int32_t pid, const std::string& comm, int holder_prio, int64_t wait_start, int64_t detected) {
  Starvation s;
  s.pid = pid;
  s.comm = comm;
  s.cpu = 1;
  s.wait_start_ns = wait_start;
  s.detected_ns = detected;
  s.waited_ns = detected - wait_start;
  s.holder_pid = 77;
  s.holder_comm = "hog";
  s.holder_prio = holder_prio;
  return s;
}

TEST(EngineTest, StandingRuleIsJournaledBeforeItIsSet) {
  Fixture f;
  f.host.Add(10, "kworker/1:2-dio/vda", true, Nice(0));
  f.host.Add(11, "kworker/1:3-events", true, Nice(0));
  bool journaled_first = false;
  f.host.before_set = [&](const ThreadId& id, const SchedAttrs&) {
    for (const JournalEntry& e : f.Open()) journaled_first |= e.id == id;
  };
  f.engine->Rescan();
  ASSERT_EQ(f.host.calls.size(), 1u);
  EXPECT_EQ(f.host.calls[0].id.pid, 10);
  EXPECT_EQ(f.host.threads[10].attrs.policy, Policy::kRr);
  EXPECT_EQ(f.host.threads[10].attrs.rt_priority, 10);
  EXPECT_EQ(f.host.threads[11].attrs, Nice(0));
  EXPECT_TRUE(journaled_first);
  ASSERT_EQ(f.Open().size(), 1u);
  EXPECT_EQ(f.Open()[0].original, Nice(0));
  EXPECT_EQ(f.metrics.threads_matched, 1);
  // A second scan finds it as wanted: no new call.
  f.engine->Rescan();
  EXPECT_EQ(f.host.calls.size(), 1u);
}

TEST(EngineTest, DriftIsReappliedAndCounted) {
  Fixture f;
  f.host.Add(10, "kworker/1:2-dio/vda", true, Nice(0));
  f.engine->Rescan();
  f.host.threads[10].attrs = Nice(5);  // someone else changed it
  f.engine->Rescan();
  EXPECT_EQ(f.host.threads[10].attrs.policy, Policy::kRr);
  EXPECT_EQ(f.metrics.actions["reapply"], 1u);
  // The journal still holds the attributes from before the guard.
  ASSERT_EQ(f.Open().size(), 1u);
  EXPECT_EQ(f.Open()[0].original, Nice(0));
}

TEST(EngineTest, ThreadThatStopsMatchingIsRestored) {
  Fixture f;
  f.host.Add(10, "kworker/1:2-dio/vda", true, Nice(3));
  f.engine->Rescan();
  ASSERT_EQ(f.host.threads[10].attrs.policy, Policy::kRr);
  f.host.threads[10].comm = "kworker/1:2-events";
  f.host.threads[10].workqueue = "events";
  f.engine->OnChanged(10);
  EXPECT_EQ(f.host.threads[10].attrs, Nice(3));
  EXPECT_TRUE(f.Open().empty());
  EXPECT_EQ(f.metrics.restores, 1u);
  EXPECT_EQ(f.metrics.threads_matched, 0);
}

TEST(EngineTest, ReusedPidIsNotRestoredToTheOldThreadsAttributes) {
  Fixture f;
  f.host.Add(10, "kworker/1:2-dio/vda", true, Nice(0), /*start=*/100);
  f.engine->Rescan();
  // The kworker exits without an EXIT event; a user thread gets pid 10.
  f.host.Add(10, "bash", false, Nice(7), /*start=*/999);
  f.engine->Rescan();
  EXPECT_EQ(f.host.threads[10].attrs, Nice(7));
  EXPECT_EQ(f.host.calls.size(), 1u);  // only the original apply
  EXPECT_TRUE(f.Open().empty());
}

TEST(EngineTest, NewThreadGetsTheRuleAndApplyLatencyIsMeasured) {
  Fixture f;
  f.host.Add(20, "kworker/1:5-dio/vda", true, Nice(0));
  f.host.now = 5 * kMs;
  f.engine->OnNewThread(20, 5 * kMs - 300'000);
  EXPECT_EQ(f.host.threads[20].attrs.policy, Policy::kRr);
  EXPECT_EQ(f.metrics.apply_latency.count(), 1u);
  EXPECT_NEAR(f.metrics.apply_latency.sum(), 0.0003, 1e-9);
  EXPECT_TRUE(f.Logged("apply_latency_ms=0.300"));
}

TEST(EngineTest, OwnThreadsAreNeverChanged) {
  Fixture f({}, R"(
[[rule]]
name = "all kstarve"
match = { process = "kstarve" }
action = { nice = -5 }
)");
  ThreadInfo& t = f.host.Add(4242, "kstarve", false, Nice(0));
  t.tgid = 4242;
  f.engine->Rescan();
  EXPECT_TRUE(f.host.calls.empty());
}

TEST(EngineTest, BoostAboveAnRtHolderThenRestoredOnExpiry) {
  EngineOptions o;
  o.auto_mode = true;
  o.boost_ns = 50 * kMs;
  Fixture f(o);
  f.host.Add(30, "victim", false, Nice(0));
  f.host.now = 100 * kMs;
  // Kernel prio 89 is RT priority 10: the boost is FIFO 11.
  f.engine->OnStarvation(Starved(30, "victim", 89, 80 * kMs, 99 * kMs));
  EXPECT_EQ(f.host.threads[30].attrs.policy, Policy::kFifo);
  EXPECT_EQ(f.host.threads[30].attrs.rt_priority, 11);
  EXPECT_EQ(f.metrics.boosts, 1u);
  EXPECT_EQ(f.metrics.active_boosts, 1);
  EXPECT_NEAR(f.metrics.boost_latency.sum(), 0.020, 1e-9);
  EXPECT_NEAR(f.metrics.detection_latency.sum(), 0.019, 1e-9);
  EXPECT_EQ((f.metrics.starvation[{"long-wait", "rt-preemption"}]), 1u);
  EXPECT_EQ(f.engine->Tick(), 150 * kMs);
  f.host.now = 149 * kMs;
  f.engine->Tick();
  EXPECT_EQ(f.host.threads[30].attrs.policy, Policy::kFifo);
  f.host.now = 150 * kMs;
  f.engine->Tick();
  EXPECT_EQ(f.host.threads[30].attrs, Nice(0));
  EXPECT_EQ(f.metrics.active_boosts, 0);
  EXPECT_TRUE(f.Open().empty());
}

TEST(EngineTest, BoostOfARuleHeldThreadEndsAtTheRulesAttributes) {
  EngineOptions o;
  o.auto_mode = true;
  Fixture f(o);
  f.host.Add(10, "kworker/1:2-dio/vda", true, Nice(0));
  f.engine->Rescan();                                                                                 // RR 10
  f.engine->OnStarvation(Starved(10, "kworker/1:2-dio/vda", 79, f.host.now - 20 * kMs, f.host.now));  // holder RT 20
  EXPECT_EQ(f.host.threads[10].attrs, Rt(Policy::kFifo, 21));
  f.host.now += o.boost_ns;
  f.engine->Tick();
  EXPECT_EQ(f.host.threads[10].attrs, Rt(Policy::kRr, 10));
  f.engine->RestoreAll();
  EXPECT_EQ(f.host.threads[10].attrs, Nice(0));
}

TEST(EngineTest, FairHolderGivesFifoOneAndASecondBoostIsRefused) {
  EngineOptions o;
  o.auto_mode = true;
  Fixture f(o);
  f.host.Add(30, "victim", false, Nice(0));
  f.engine->OnStarvation(Starved(30, "victim", 120, f.host.now - 20 * kMs, f.host.now));
  EXPECT_EQ(f.host.threads[30].attrs, Rt(Policy::kFifo, 1));
  f.engine->OnStarvation(Starved(30, "victim", 120, f.host.now - 20 * kMs, f.host.now));
  EXPECT_EQ(f.metrics.boosts_refused["already-boosted"], 1u);
  EXPECT_EQ(f.metrics.boosts, 1u);
}

TEST(EngineTest, BudgetRefusesBoostsBeyondItsShare) {
  EngineOptions o;
  o.auto_mode = true;
  o.boost_ns = 50 * kMs;
  o.budget_share = 0.2;  // 200 ms per second: four 50 ms boosts
  Fixture f(o);
  for (int pid = 40; pid < 46; ++pid) f.host.Add(pid, "v" + std::to_string(pid), false, Nice(0));
  for (int pid = 40; pid < 46; ++pid) {
    f.engine->OnStarvation(Starved(pid, "v", 120, f.host.now - 20 * kMs, f.host.now));
    f.host.now += kMs;
  }
  EXPECT_EQ(f.metrics.boosts, 4u);
  EXPECT_EQ(f.metrics.boosts_refused["budget"], 2u);
  EXPECT_EQ(f.host.threads[45].attrs, Nice(0));
  // A second later the budget is free again.
  f.host.now += 1000 * kMs;
  f.engine->Tick();
  f.engine->OnStarvation(Starved(45, "v", 120, f.host.now - 20 * kMs, f.host.now));
  EXPECT_EQ(f.metrics.boosts, 5u);
}

TEST(EngineTest, DeadlineRefusedFallsBackToFifoAndIsNotAskedAgain) {
  EngineOptions o;
  o.auto_mode = true;
  o.boost_deadline = true;
  Fixture f(o);
  f.host.refuse_deadline = true;
  f.host.Add(50, "ksoftirqd/1", true, Nice(0));
  f.engine->OnStarvation(Starved(50, "ksoftirqd/1", 120, f.host.now - 20 * kMs, f.host.now));
  EXPECT_EQ(f.host.threads[50].attrs, Rt(Policy::kFifo, 1));
  const uint64_t failed = f.metrics.actions["failed"];
  EXPECT_EQ(failed, 1u);
  f.host.now += o.boost_ns;
  f.engine->Tick();
  f.engine->OnStarvation(Starved(50, "ksoftirqd/1", 120, f.host.now - 20 * kMs, f.host.now));
  EXPECT_EQ(f.metrics.actions["failed"], failed);  // no second deadline attempt
  EXPECT_EQ(f.host.threads[50].attrs, Rt(Policy::kFifo, 1));
}

TEST(EngineTest, DeadlineBoostWhereTheKernelAllowsIt) {
  EngineOptions o;
  o.auto_mode = true;
  o.boost_deadline = true;
  Fixture f(o);
  f.host.Add(51, "kworker/u8:0", true, Nice(0));
  f.engine->OnStarvation(Starved(51, "kworker/u8:0", 120, f.host.now - 20 * kMs, f.host.now));
  EXPECT_EQ(f.host.threads[51].attrs.policy, Policy::kDeadline);
  EXPECT_EQ(f.host.threads[51].attrs.dl_runtime_ns, o.boost_dl_runtime_ns);
  f.host.now += o.boost_ns;
  f.engine->Tick();
  EXPECT_EQ(f.host.threads[51].attrs, Nice(0));
}

TEST(EngineTest, AutoEscalatesAClassStepByStepAndBackWithHysteresis) {
  EngineOptions o;
  o.auto_mode = true;
  o.quiet_ns = 10'000 * kMs;
  o.budget_share = 1e-9;  // no boosts: watch the steps alone
  o.escalate_reports = 3;
  Fixture f(o, "");
  f.host.Add(60, "kworker/1:1-dio/vda", true, Nice(0));
  f.host.Add(61, "kworker/1:2H-kblockd", true, Nice(0));
  f.host.Add(62, "kworker/0:1-events", true, Nice(0));
  f.engine->Rescan();
  // The holder is a fair thread (prio 100: nice -20), as in the cgroup case.
  auto report = [&](int32_t pid) {
    f.engine->OnStarvation(Starved(pid, f.host.threads[pid].comm, 100, f.host.now - 20 * kMs, f.host.now));
    f.host.now += 100 * kMs;
  };
  report(60);
  report(61);
  EXPECT_EQ(f.host.threads[60].attrs, Nice(0));
  report(60);  // third report of class kworker/1: step 1
  EXPECT_EQ(f.host.threads[60].attrs, Nice(-10));
  EXPECT_EQ(f.host.threads[61].attrs, Nice(-10));
  EXPECT_EQ(f.host.threads[62].attrs, Nice(0));  // another CPU, another class
  EXPECT_EQ(f.metrics.auto_step["kworker/1"], 1);
  // A kworker created now joins the class at its step.
  f.host.Add(63, "kworker/1:3", true, Nice(0));
  f.engine->OnNewThread(63, f.host.now);
  EXPECT_EQ(f.host.threads[63].attrs, Nice(-10));
  for (int i = 0; i < 3; ++i) report(60);
  EXPECT_EQ(f.host.threads[60].attrs, Nice(-20));
  for (int i = 0; i < 3; ++i) report(60);
  EXPECT_EQ(f.host.threads[61].attrs, Rt(Policy::kRr, 1));
  for (int i = 0; i < 3; ++i) report(60);  // behind a fair holder RR 1 is the top
  EXPECT_EQ(f.metrics.auto_step["kworker/1"], 3);
  // Quiet: not before 10 s without reports.
  f.host.now += 9'000 * kMs;
  f.engine->Tick();
  EXPECT_EQ(f.metrics.auto_step["kworker/1"], 3);
  f.host.now += 1'000 * kMs;
  f.engine->Tick();
  EXPECT_EQ(f.metrics.auto_step["kworker/1"], 2);
  EXPECT_EQ(f.host.threads[61].attrs, Nice(-20));
  // One step per quiet period.
  f.host.now += 1'000 * kMs;
  f.engine->Tick();
  EXPECT_EQ(f.metrics.auto_step["kworker/1"], 2);
  for (int i = 0; i < 2; ++i) {
    f.host.now += 10'000 * kMs;
    f.engine->Tick();
  }
  EXPECT_EQ(f.metrics.auto_step["kworker/1"], 0);
  EXPECT_EQ(f.host.threads[60].attrs, Nice(0));
  EXPECT_EQ(f.host.threads[63].attrs, Nice(0));
  EXPECT_TRUE(f.Open().empty());
  EXPECT_TRUE(f.Logged("auto: escalate kworker/1 to step 1"));
  EXPECT_TRUE(f.Logged("auto: de-escalate kworker/1 to step 0"));
}

// Behind an RT holder (the brief's SCHED_FIFO fio case) the nice steps and
// RR 1 cannot help: the class goes straight to RR above the holder, and
// back down to nothing at once when it is quiet.
TEST(EngineTest, AutoClimbsStraightAboveAnRtHolderAndComesBackAtOnce) {
  EngineOptions o;
  o.auto_mode = true;
  o.quiet_ns = 10'000 * kMs;
  o.budget_share = 1e-9;
  o.escalate_reports = 3;
  Fixture f(o, "");
  f.host.Add(60, "kworker/1:1-dio/vda", true, Nice(0));
  f.host.Add(61, "kworker/1:2H-kblockd", true, Nice(0));
  f.engine->Rescan();
  auto report = [&](int32_t pid, int holder_prio) {
    f.engine->OnStarvation(Starved(pid, f.host.threads[pid].comm, holder_prio, f.host.now - 20 * kMs, f.host.now));
    f.host.now += 100 * kMs;
  };
  for (int i = 0; i < 2; ++i) report(60, 89);  // holder SCHED_FIFO 10
  EXPECT_EQ(f.metrics.auto_step["kworker/1"], 0);
  report(61, 89);
  EXPECT_EQ(f.metrics.auto_step["kworker/1"], 4);
  EXPECT_EQ(f.host.threads[60].attrs, Rt(Policy::kRr, 11));
  EXPECT_EQ(f.host.threads[61].attrs, Rt(Policy::kRr, 11));
  EXPECT_TRUE(f.Logged("auto: escalate kworker/1 to step 4"));
  for (int i = 0; i < 3; ++i) report(60, 89);  // nothing above the top
  EXPECT_EQ(f.metrics.auto_step["kworker/1"], 4);
  f.host.now += 10'000 * kMs;
  f.engine->Tick();
  EXPECT_EQ(f.metrics.auto_step["kworker/1"], 0);
  EXPECT_EQ(f.host.threads[60].attrs, Nice(0));
  EXPECT_TRUE(f.Open().empty());
  // The RT holder is forgotten at step 0: a fair holder now climbs from 1.
  for (int i = 0; i < 3; ++i) report(60, 120);
  EXPECT_EQ(f.metrics.auto_step["kworker/1"], 1);
  EXPECT_EQ(f.host.threads[60].attrs, Nice(-10));
}

// Flap damping: a class that starves again right after stepping down was
// held by its step, so it stays up twice as long before the next step down
// (and back to the base once it stays calm for long).
TEST(EngineTest, AClassThatStarvesRightAfterSteppingDownStaysUpLonger) {
  EngineOptions o;
  o.auto_mode = true;
  o.budget_share = 1e-9;
  o.escalate_reports = 3;
  o.quiet_ns = 10'000 * kMs;
  Fixture f(o, "");
  f.host.Add(60, "kworker/1:1-dio/vda", true, Nice(0));
  f.engine->Rescan();
  auto starve = [&] {
    for (int i = 0; i < 3; ++i) {
      f.engine->OnStarvation(Starved(60, f.host.threads[60].comm, 89, f.host.now - 20 * kMs, f.host.now));
      f.host.now += 100 * kMs;
    }
  };
  auto quiet_for = [&](int64_t ms) {
    f.host.now += ms * kMs;
    f.engine->Tick();
    return f.metrics.auto_step["kworker/1"];
  };
  starve();
  ASSERT_EQ(f.metrics.auto_step["kworker/1"], 4);
  EXPECT_EQ(quiet_for(10'100), 0) << "the first step down after the base quiet time";
  starve();  // at once: the step was what held it
  ASSERT_EQ(f.metrics.auto_step["kworker/1"], 4);
  EXPECT_EQ(quiet_for(10'100), 4) << "now it needs twice the quiet time";
  EXPECT_EQ(quiet_for(10'000), 0);
  starve();
  EXPECT_EQ(quiet_for(20'100), 4) << "and then four times";
  EXPECT_EQ(quiet_for(20'000), 0);
  // Calm for longer than its quiet time: the next starvation starts over.
  f.host.now += 60'000 * kMs;
  starve();
  EXPECT_EQ(quiet_for(10'100), 0);
}

TEST(EngineTest, NoDeEscalationWithinTheHoldTimeOfAnEscalation) {
  EngineOptions o;
  o.auto_mode = true;
  o.budget_share = 1e-9;
  o.quiet_ns = 1'000 * kMs;
  o.min_dwell_ns = 5'000 * kMs;
  Fixture f(o, "");
  f.host.Add(60, "ksoftirqd/1", true, Nice(0));
  for (int i = 0; i < 3; ++i) {
    f.engine->OnStarvation(Starved(60, "ksoftirqd/1", 120, f.host.now - 20 * kMs, f.host.now));
  }
  EXPECT_EQ(f.metrics.auto_step["ksoftirqd/1"], 1);
  f.host.now += 2'000 * kMs;  // quiet for longer than quiet_ns, but within the hold
  f.engine->Tick();
  EXPECT_EQ(f.metrics.auto_step["ksoftirqd/1"], 1);
  f.host.now += 3'000 * kMs;
  f.engine->Tick();
  EXPECT_EQ(f.metrics.auto_step["ksoftirqd/1"], 0);
}

TEST(EngineTest, DryRunChangesAndJournalsNothing) {
  EngineOptions o;
  o.dry_run = true;
  o.auto_mode = true;
  Fixture f(o);
  f.host.Add(10, "kworker/1:2-dio/vda", true, Nice(0));
  f.host.Add(30, "victim", false, Nice(0));
  f.engine->Rescan();
  f.engine->Rescan();
  f.engine->OnStarvation(Starved(30, "victim", 120, f.host.now - 20 * kMs, f.host.now));
  f.engine->RestoreAll();
  EXPECT_TRUE(f.host.calls.empty());
  EXPECT_TRUE(f.Open().empty());
  EXPECT_TRUE(f.Logged("dry-run: would apply pid=10"));
  EXPECT_TRUE(f.Logged("dry-run: would boost pid=30"));
  int applies = 0;
  for (const std::string& l : f.log) applies += l.find("would apply pid=10") != std::string::npos;
  EXPECT_EQ(applies, 1);  // decided once, not again on every scan
}

TEST(EngineTest, RestoreAllPutsEveryThreadBack) {
  EngineOptions o;
  o.auto_mode = true;
  Fixture f(o);
  f.host.Add(10, "kworker/1:2-dio/vda", true, Nice(2));
  f.host.Add(30, "victim", false, Nice(-3));
  f.engine->Rescan();
  f.engine->OnStarvation(Starved(30, "victim", 120, f.host.now - 20 * kMs, f.host.now));
  f.engine->RestoreAll();
  EXPECT_EQ(f.host.threads[10].attrs, Nice(2));
  EXPECT_EQ(f.host.threads[30].attrs, Nice(-3));
  EXPECT_TRUE(f.Open().empty());
  EXPECT_EQ(f.metrics.active_boosts, 0);
  EXPECT_EQ(f.metrics.threads_matched, 0);
}

TEST(EngineTest, AutoClassesAndCauses) {
  ThreadInfo t;
  t.kernel_thread = true;
  t.comm = "kworker/1:2H-kblockd";
  t.bound_cpu = 1;
  EXPECT_EQ(AutoClassOf(t), "kworker/1");
  t.comm = "kworker/u8:0-flush-8:0";
  t.bound_cpu = -1;
  EXPECT_EQ(AutoClassOf(t), "kworker/u");
  t.comm = "ksoftirqd/3";
  t.bound_cpu = 3;
  EXPECT_EQ(AutoClassOf(t), "ksoftirqd/3");
  t.comm = "jbd2/vda1-8";
  t.bound_cpu = -1;
  EXPECT_EQ(AutoClassOf(t), "jbd2");
  t.kernel_thread = false;
  EXPECT_EQ(AutoClassOf(t), "");
  Starvation s;
  s.holder_pid = 5;
  s.holder_comm = "fio";
  s.holder_prio = 89;
  EXPECT_EQ(CauseOf(s), "rt-preemption");
  s.holder_prio = 120;
  EXPECT_EQ(CauseOf(s), "fair-share");
  s.holder_prio = -1;
  EXPECT_EQ(CauseOf(s), "deadline");
  s.holder_pid = -1;
  EXPECT_EQ(CauseOf(s), "unknown");
}

}  // namespace
}  // namespace kstarve::guard
