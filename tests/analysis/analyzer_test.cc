#include "analysis/analyzer.h"

#include <gtest/gtest.h>

#include "event_builder.h"

namespace kstarve {
namespace {

using testing::EventBuilder;
using testing::Ms;

const TaskReport* FindTask(const Report& r, int pid) {
  for (const TaskReport& t : r.tasks) {
    if (t.pid == pid) return &t;
  }
  return nullptr;
}

Report Analyze(const EventBuilder& b, AnalysisOptions o = {}) {
  Analyzer a(b.strings, o);
  b.Feed(a);
  return a.Finish(TraceSummary{});
}

// A fair thread woken while an RT hog runs waits until the hog sleeps.
TEST(AnalyzerTest, WaitFromFirstWakeupToSwitchInBehindRtHog) {
  EventBuilder b;
  b.Switch(Ms(0), 1, 0, "swapper/1", 120, kStateRunnable, 100, "hog", 89)
      .Waking(Ms(5), 1, 100, "hog", 200, "worker", 120, 1)
      .Waking(Ms(7), 1, 100, "hog", 200, "worker", 120, 1)  // second wakeup: wait goes on
      .Switch(Ms(45), 1, 100, "hog", 89, kStateS, 200, "worker", 120)
      .Switch(Ms(46), 1, 200, "worker", 120, kStateS, 0, "swapper/1", 120);
  Report r = Analyze(b);
  const TaskReport* w = FindTask(r, 200);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->waits, 1u);
  EXPECT_EQ(w->sum_delay_ns, Ms(40));
  EXPECT_EQ(w->max_delay_start, Ms(5));
  EXPECT_EQ(w->max_delay_end, Ms(45));
  EXPECT_EQ(w->runtime_ns, Ms(1));
  EXPECT_EQ(w->switches, 1u);
  ASSERT_EQ(r.episodes.size(), 1u);
  const EpisodeReport& e = r.episodes[0];
  EXPECT_EQ(e.cause, "rt-preemption");
  EXPECT_EQ(e.cpu, 1);
  ASSERT_FALSE(e.antagonists.empty());
  EXPECT_EQ(e.antagonists[0].pid, 100);
  EXPECT_EQ(e.antagonists[0].ns, Ms(40));
  EXPECT_EQ(e.antagonists[0].cls, TaskClass::kRt);
  EXPECT_EQ(e.waker.pid, 100);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, "long-wait");
  EXPECT_NE(r.findings[0].recommendation.find("RT priority 10"), std::string::npos) << r.findings[0].recommendation;
}

TEST(AnalyzerTest, PreemptedSwitchOutStartsAWait) {
  EventBuilder b;
  b.Switch(Ms(0), 0, 10, "a", 120, kStatePreempted, 11, "b", 120)
      .Switch(Ms(3), 0, 11, "b", 120, kStateRunnable, 10, "a", 120)
      .Switch(Ms(4), 0, 10, "a", 120, kStateS, 11, "b", 120);
  Report r = Analyze(b);
  EXPECT_EQ(FindTask(r, 10)->sum_delay_ns, Ms(3));
  EXPECT_EQ(FindTask(r, 11)->sum_delay_ns, Ms(1));
  EXPECT_EQ(FindTask(r, 10)->runtime_ns, Ms(1));  // ran 3..4; before 0 not seen
}

// The kernel often omits the idle->task switch: the next record whose header
// names the task is its switch-in.
TEST(AnalyzerTest, InfersMissingSwitchInFromHeader) {
  EventBuilder b;
  b.Switch(Ms(0), 1, 50, "t", 120, kStateS, 0, "swapper/1", 120)
      .Waking(Ms(10), 1, 0, "<idle>", 50, "t", 120, 1)
      .Waking(Ms(12), 1, 50, "t", 60, "u", 120, 0)  // t is first named here since it went to sleep
      .Switch(Ms(15), 1, 50, "t", 120, kStateS, 0, "swapper/1", 120);
  Report r = Analyze(b);
  EXPECT_EQ(r.trace.inferred_switches, 1u);
  const TaskReport* t = FindTask(r, 50);
  EXPECT_EQ(t->switches, 1u);
  EXPECT_EQ(t->inferred_switches, 1u);
  EXPECT_EQ(t->sum_delay_ns, Ms(2));
  EXPECT_EQ(t->runtime_ns, Ms(3));
}

// When that first record is the thread's own sched_stat_runtime, the kernel
// says how long it has run already: the switch-in is backdated by that much,
// but not before the previous event of the trace.
TEST(AnalyzerTest, BackdatesInferredSwitchInBySchedStatRuntime) {
  EventBuilder b;
  b.Switch(Ms(0), 1, 50, "t", 120, kStateS, 0, "swapper/1", 120)
      .Waking(Ms(10), 1, 0, "<idle>", 50, "t", 120, 1)
      .Other(Ms(14), 1, 50, "t", EventKind::kStatRuntime, -1, Ms(3), 50)
      .Switch(Ms(15), 1, 50, "t", 120, kStateS, 0, "swapper/1", 120)
      .Waking(Ms(20), 1, 0, "<idle>", 50, "t", 120, 1)
      .Other(Ms(21), 0, 0, "<idle>", EventKind::kIrqEntry, 5)
      .Other(Ms(24), 1, 50, "t", EventKind::kStatRuntime, -1, Ms(9), 50)
      .Switch(Ms(25), 1, 50, "t", 120, kStateS, 0, "swapper/1", 120);
  Report r = Analyze(b);
  const TaskReport* t = FindTask(r, 50);
  EXPECT_EQ(t->inferred_switches, 2u);
  // First: ran 3 ms before 14 -> in at 11. Second: 9 ms before 24 would be
  // 15, before the previous event (21, on CPU 0) -> in at 21.
  EXPECT_EQ(t->sum_delay_ns, Ms(1) + Ms(1));
  EXPECT_EQ(t->runtime_ns, Ms(4) + Ms(4));
}

TEST(AnalyzerTest, MigrationMovesTheWaitAndItsAntagonists) {
  EventBuilder b;
  b.Switch(Ms(0), 0, 0, "swapper/0", 120, 0, 1, "x", 120)
      .Switch(Ms(0), 1, 0, "swapper/1", 120, 0, 2, "y", 120)
      .Waking(Ms(1), 0, 1, "x", 3, "v", 120, 0)
      .Migrate(Ms(4), 1, 2, "y", 3, "v", 120, 0, 1)
      .Switch(Ms(10), 1, 2, "y", 120, kStateS, 3, "v", 120);
  Report r = Analyze(b);
  ASSERT_EQ(r.episodes.size(), 0u);
  const TaskReport* v = FindTask(r, 3);
  EXPECT_EQ(v->sum_delay_ns, Ms(9));
  ASSERT_EQ(v->antagonists.size(), 2u);
  EXPECT_EQ(v->antagonists[0].pid, 2);  // y held CPU 1 for 6 ms
  EXPECT_EQ(v->antagonists[0].ns, Ms(6));
  EXPECT_EQ(v->antagonists[1].pid, 1);  // x held CPU 0 for 3 ms
  EXPECT_EQ(v->antagonists[1].ns, Ms(3));
}

TEST(AnalyzerTest, IrqTimeMakesTheCauseIrq) {
  EventBuilder b;
  b.Switch(Ms(0), 2, 0, "swapper/2", 120, 0, 7, "busy", 120)
      .Waking(Ms(1), 2, 7, "busy", 8, "victim", 120, 2)
      .Other(Ms(2), 2, 7, "busy", EventKind::kIrqEntry, 30)
      .Other(Ms(14), 2, 7, "busy", EventKind::kIrqExit, 30)
      .Switch(Ms(21), 2, 7, "busy", 120, kStateS, 8, "victim", 120);
  Report r = Analyze(b);
  ASSERT_EQ(r.episodes.size(), 1u);
  EXPECT_EQ(r.episodes[0].irq_ns, Ms(12));
  EXPECT_EQ(r.episodes[0].cause, "irq");
}

TEST(AnalyzerTest, LostEventsDropWaitsOnThatCpuAndMarkThreads) {
  EventBuilder b;
  b.Switch(Ms(0), 0, 0, "swapper/0", 120, 0, 1, "x", 120)
      .Waking(Ms(1), 0, 1, "x", 3, "v", 120, 0)
      .Lost(Ms(2), 0, 500)
      .Switch(Ms(30), 0, 1, "x", 120, kStateS, 3, "v", 120);
  Report r = Analyze(b);
  EXPECT_EQ(r.trace.lost_events, 500u);
  EXPECT_EQ(r.trace.lost_markers, 1u);
  EXPECT_EQ(r.episodes.size(), 0u);
  EXPECT_TRUE(FindTask(r, 3)->incomplete);
  EXPECT_EQ(FindTask(r, 3)->waits, 0u);
}

TEST(AnalyzerTest, WaitOpenAtTheEndIsClosedThere) {
  EventBuilder b;
  b.Switch(Ms(0), 0, 0, "swapper/0", 120, 0, 1, "x", 120)
      .Waking(Ms(5), 0, 1, "x", 3, "v", 120, 0)
      .Other(Ms(25), 0, 1, "x", EventKind::kStatRuntime, -1, 0, 1);
  Report r = Analyze(b);
  ASSERT_EQ(r.episodes.size(), 1u);
  EXPECT_TRUE(r.episodes[0].truncated);
  EXPECT_EQ(r.episodes[0].wait_ns(), Ms(20));
  EXPECT_EQ(r.trace.start, Ms(0));
  EXPECT_EQ(r.trace.end, Ms(25));
}

TEST(AnalyzerTest, ChronicDelayFromManyShortWaits) {
  EventBuilder b;
  // kworker/1:1 waits 0.5 ms behind fio, 40 times in 50 ms: 40 % of the window.
  b.Switch(Ms(0), 1, 0, "swapper/1", 120, 0, 300, "fio", 120);
  for (int i = 0; i < 40; ++i) {
    double t = 1 + i * 1.25;  // exact in binary, so the ns sums are exact
    b.Waking(Ms(t), 1, 300, "fio", 40, "kworker/1:1", 120, 1)
        .Switch(Ms(t + 0.5), 1, 300, "fio", 120, kStatePreempted, 40, "kworker/1:1", 120)
        .Other(Ms(t + 0.55), 1, 40, "kworker/1:1", EventKind::kWorkStart)
        .Switch(Ms(t + 0.6), 1, 40, "kworker/1:1", 120, kStateI, 300, "fio", 120);
  }
  b.Other(Ms(50), 1, 300, "fio", EventKind::kStatRuntime);
  Report r = Analyze(b);
  const TaskReport* k = FindTask(r, 40);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->waits, 40u);
  EXPECT_EQ(k->bound_cpu, 1);
  EXPECT_NEAR(k->delay_share, 0.4, 1e-9);
  const FindingReport* chronic = nullptr;
  for (const FindingReport& f : r.findings) {
    if (f.kind == "chronic-delay" && f.victim.pid == 40) chronic = &f;
  }
  ASSERT_NE(chronic, nullptr);
  EXPECT_EQ(chronic->cause, "fair-share");
  EXPECT_EQ(chronic->antagonists[0].comm, "fio");
  EXPECT_NE(chronic->recommendation.find("kworker/1:*"), std::string::npos) << chronic->recommendation;
  EXPECT_NE(chronic->recommendation.find("-20"), std::string::npos);
}

TEST(AnalyzerTest, PidReuseKeepsTheThreadsApart) {
  EventBuilder b;
  b.Switch(Ms(0), 0, 0, "swapper/0", 120, 0, 5, "old", 120)
      .Other(Ms(1), 0, 5, "old", EventKind::kExit, -1, 0, 5)
      .Switch(Ms(2), 0, 5, "old", 120, kStateX, 0, "swapper/0", 120);
  Event fork;
  fork.ts = Ms(3);
  fork.cpu = 0;
  fork.pid = 0;
  fork.kind = EventKind::kFork;
  fork.tid = 1;
  fork.tid2 = 5;
  fork.comm2 = b.strings.Intern("new");
  b.events.push_back(fork);
  b.Waking(Ms(4), 0, 0, "<idle>", 5, "new", 120, 0, EventKind::kWakeupNew)
      .Switch(Ms(6), 0, 0, "swapper/0", 120, 0, 5, "new", 120)
      .Switch(Ms(9), 0, 5, "new", 120, kStateS, 0, "swapper/0", 120);
  Report r = Analyze(b);
  int rows = 0;
  for (const TaskReport& t : r.tasks) {
    if (t.pid != 5) continue;
    ++rows;
    if (t.comm == "old") {
      EXPECT_EQ(t.runtime_ns, Ms(2));
    } else {
      EXPECT_EQ(t.comm, "new");
      EXPECT_EQ(t.runtime_ns, Ms(3));
    }
  }
  EXPECT_EQ(rows, 2);
}

TEST(AnalyzerTest, KeepsTheLongestEpisodesWhenCapped) {
  EventBuilder b;
  b.Switch(Ms(0), 0, 0, "swapper/0", 120, 0, 1, "hog", 50);
  double t = 1;
  for (int i = 1; i <= 6; ++i) {
    b.Waking(Ms(t), 0, 1, "hog", 2, "v", 120, 0)
        .Switch(Ms(t + 10 + i), 0, 1, "hog", 50, kStatePreempted, 2, "v", 120)
        .Switch(Ms(t + 10 + i + 0.1), 0, 2, "v", 120, kStateS, 1, "hog", 50);
    t += 30;
  }
  AnalysisOptions o;
  o.max_episodes = 3;
  Report r = Analyze(b, o);
  EXPECT_EQ(r.episodes_total, 6u);
  ASSERT_EQ(r.episodes.size(), 3u);
  EXPECT_EQ(r.episodes[0].wait_ns(), Ms(14));
  EXPECT_EQ(r.episodes[2].wait_ns(), Ms(16));
  EXPECT_LT(r.episodes[0].start, r.episodes[1].start);
}

TEST(AnalyzerTest, ByCommMergesThreads) {
  EventBuilder b;
  b.Switch(Ms(0), 0, 0, "swapper/0", 120, 0, 1, "w", 120)
      .Switch(Ms(2), 0, 1, "w", 120, kStateS, 2, "w", 120)
      .Switch(Ms(5), 0, 2, "w", 120, kStateS, 0, "swapper/0", 120);
  AnalysisOptions o;
  o.by_comm = true;
  Report r = Analyze(b, o);
  ASSERT_EQ(r.tasks.size(), 1u);
  EXPECT_EQ(r.tasks[0].threads, 2);
  EXPECT_EQ(r.tasks[0].pid, -1);
  EXPECT_EQ(r.tasks[0].runtime_ns, Ms(5));  // 0..2 and 2..5
}

}  // namespace
}  // namespace kstarve
