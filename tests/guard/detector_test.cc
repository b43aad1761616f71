// Offline tests of the detector's logic: threshold and deduplication, the
// userspace wait state machine (tracefs backend), /proc/PID/stat parsing,
// and decoding of hand-built ring-buffer pages with the kernel's formats.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "guard/detector/detector_options.h"
#include "guard/detector/long_wait_scan.h"
#include "guard/detector/proc_stat.h"
#include "guard/detector/sched_decoder.h"
#include "guard/detector/wait_state.h"

namespace kstarve::guard {
namespace {

constexpr int64_t kMs = 1'000'000;

// ---- options

TEST(DetectorOptionsTest, PollIntervalIsAQuarterOfTheThresholdCappedAtFiveMs) {
  DetectorOptions o;
  EXPECT_EQ(PollIntervalNs(o), 5 * kMs);  // 20 ms / 4
  o.long_wait_ns = 4 * kMs;
  EXPECT_EQ(PollIntervalNs(o), 1 * kMs);
  o.long_wait_ns = 100 * kMs;
  EXPECT_EQ(PollIntervalNs(o), 5 * kMs);
  o.poll_interval_ns = 7 * kMs;
  EXPECT_EQ(PollIntervalNs(o), 7 * kMs);
}

TEST(DetectorOptionsTest, RejectsThresholdsBelowOneMillisecond) {
  DetectorOptions o;
  o.long_wait_ns = kMs;
  EXPECT_TRUE(ValidateDetectorOptions(o).ok());
  o.long_wait_ns = kMs - 1;
  Status s = ValidateDetectorOptions(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("1 ms"), std::string::npos) << s.message();
  o = DetectorOptions{};
  o.chronic_share = 0;
  EXPECT_FALSE(ValidateDetectorOptions(o).ok());
}

TEST(DetectorOptionsTest, NextPollComesEarlyForACrossingButNotTooEarly) {
  const int64_t now = 1000 * kMs, interval = 4 * kMs;
  EXPECT_EQ(NextPollAt(now, interval, INT64_MAX, INT64_MAX), now + interval);
  EXPECT_EQ(NextPollAt(now, interval, now + 2 * kMs, INT64_MAX), now + 2 * kMs);
  EXPECT_EQ(NextPollAt(now, interval, now + 1, INT64_MAX), now + interval / 4);
  EXPECT_EQ(NextPollAt(now, interval, INT64_MAX, now + 3 * kMs), now + 3 * kMs);
  // A long interval (the guard polls every long_wait) keeps the floor at
  // 1 ms, so a wait seen just before it crosses is reported ~1 ms late at most.
  EXPECT_EQ(NextPollAt(now, 20 * kMs, now + 1, INT64_MAX), now + kMs);
}

// ---- long waits

TEST(LongWaitScanTest, ReportsAWaitOnceWhenItCrossesTheThreshold) {
  LongWaitScan scan(20 * kMs);
  std::vector<OpenWait> open = {{42, 1, 100 * kMs}, {43, 0, 110 * kMs}};
  std::vector<OpenWait> due;
  scan.Scan(open, 119 * kMs, due);
  EXPECT_TRUE(due.empty());
  EXPECT_EQ(scan.earliest_crossing(), 120 * kMs);
  scan.Scan(open, 120 * kMs, due);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].pid, 42);
  EXPECT_EQ(due[0].cpu, 1);
  EXPECT_EQ(scan.earliest_crossing(), 130 * kMs);  // 43's, not the reported one
  due.clear();
  scan.Scan(open, 125 * kMs, due);
  EXPECT_TRUE(due.empty()) << "the same wait must not be reported twice";
  scan.Scan(open, 131 * kMs, due);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].pid, 43);
}

TEST(LongWaitScanTest, ANewWaitOfTheSameThreadIsReportedAgain) {
  LongWaitScan scan(20 * kMs);
  std::vector<OpenWait> due;
  std::vector<OpenWait> open = {{42, 1, 100 * kMs}};
  scan.Scan(open, 121 * kMs, due);
  ASSERT_EQ(due.size(), 1u);
  // The thread ran (the wait is gone from the snapshot), then waits again.
  scan.Scan({}, 122 * kMs, due);
  open = {{42, 1, 123 * kMs}};
  due.clear();
  scan.Scan(open, 150 * kMs, due);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].start_ns, 123 * kMs);
  // A wait whose start changes between snapshots (missed snapshot of the run) too.
  open = {{42, 1, 151 * kMs}};
  due.clear();
  scan.Scan(open, 180 * kMs, due);
  EXPECT_EQ(due.size(), 1u);
}

TEST(LongWaitScanTest, ForgetLetsAWithheldReportComeBack) {
  LongWaitScan scan(20 * kMs);
  std::vector<OpenWait> due;
  std::vector<OpenWait> open = {{42, 1, 100 * kMs}};
  scan.Scan(open, 121 * kMs, due);
  scan.Forget(42);
  due.clear();
  scan.Scan(open, 122 * kMs, due);
  EXPECT_EQ(due.size(), 1u);
}

TEST(ChronicTest, NeedsBothTheShareAndTheNumberOfWaits) {
  EXPECT_TRUE(IsChronic(150 * kMs, 20, 500 * kMs, 0.30, 20));
  EXPECT_FALSE(IsChronic(149 * kMs, 20, 500 * kMs, 0.30, 20));
  EXPECT_FALSE(IsChronic(400 * kMs, 19, 500 * kMs, 0.30, 20));
  EXPECT_FALSE(IsChronic(400 * kMs, 50, 0, 0.30, 20));
  EXPECT_DOUBLE_EQ(WaitShare(250 * kMs, 500 * kMs), 0.5);
}

// ---- wait state (tracefs backend)

std::vector<OpenWait> Open(const WaitState& s) {
  std::vector<OpenWait> v;
  s.OpenWaits(v);
  return v;
}

TEST(WaitStateTest, APreemptedThreadWaitsUntilItsNextSwitchIn) {
  WaitState s;
  s.OnSwitch(1, 100, /*prev*/ 0, 120, false, "swapper/1", /*next*/ 42, 120, "victim");
  s.OnSwitch(1, 200, 42, 120, /*prev_runnable*/ true, "victim", 77, 89, "hog");
  auto open = Open(s);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].pid, 42);
  EXPECT_EQ(open[0].cpu, 1);
  EXPECT_EQ(open[0].start_ns, 200);
  EXPECT_EQ(s.WaiterComm(42), "victim");
  ASSERT_NE(s.Running(1), nullptr);
  EXPECT_EQ(s.Running(1)->pid, 77);
  EXPECT_EQ(s.Running(1)->prio, 89);
  EXPECT_EQ(s.Running(1)->comm, "hog");
  s.OnSwitch(1, 900, 77, 89, false, "hog", 42, 120, "victim");
  EXPECT_TRUE(Open(s).empty());
  std::unordered_map<int32_t, WaitTotals> totals;
  s.TakeTotals(totals);
  ASSERT_EQ(totals.count(42), 1u);
  EXPECT_EQ(totals[42].sum_wait_ns, 700);
  EXPECT_EQ(totals[42].waits, 1u);
  EXPECT_EQ(totals[42].max_wait_ns, 700);
  EXPECT_EQ(totals[42].holder_pid, 77);
  EXPECT_EQ(totals[42].holder_prio, 89);
  s.TakeTotals(totals);
  EXPECT_TRUE(totals.empty()) << "totals are handed over once";
}

TEST(WaitStateTest, FirstWakeupStartsTheWaitASecondOnlyMovesIt) {
  WaitState s;
  s.OnSwitch(0, 50, 42, 120, /*prev_runnable*/ false, "victim", 0, 120, "swapper/0");  // 42 sleeps
  s.OnWakeup(100, 42, 0, "victim");
  s.OnWakeup(150, 42, 1, "victim");
  auto open = Open(s);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].start_ns, 100);
  EXPECT_EQ(open[0].cpu, 1);
  s.OnMigrate(42, 3);
  EXPECT_EQ(Open(s)[0].cpu, 3);
}

TEST(WaitStateTest, NoWaitForRunningSleepingOrIdleThreads) {
  WaitState s;
  s.OnSwitch(0, 10, 0, 120, false, "swapper/0", 42, 120, "a");
  s.OnWakeup(20, 42, 0, "a");  // running: nothing to wait for
  EXPECT_TRUE(Open(s).empty());
  s.OnSwitch(0, 30, 42, 120, /*prev_runnable*/ false, "a", 0, 120, "swapper/0");  // sleeps: no wait
  EXPECT_TRUE(Open(s).empty());
  s.OnSwitch(0, 40, 0, 120, /*prev_runnable*/ true, "swapper/0", 43, 120, "b");  // idle never waits
  EXPECT_TRUE(Open(s).empty());
  s.OnWakeup(50, 0, 0, "swapper/0");
  EXPECT_TRUE(Open(s).empty());
}

TEST(WaitStateTest, ARecordWrittenByAWaitingThreadEndsItsWait) {
  // The kernel did not trace the switch-in; the record header shows it runs.
  WaitState s;
  s.OnSwitch(1, 100, 42, 120, true, "victim", 77, 89, "hog");
  s.OnRecordThread(1, 400, 42);
  EXPECT_TRUE(Open(s).empty());
  EXPECT_TRUE(s.IsRunning(42));
  EXPECT_FALSE(s.IsRunning(77));
  std::unordered_map<int32_t, WaitTotals> totals;
  s.TakeTotals(totals);
  EXPECT_EQ(totals[42].sum_wait_ns, 300);
  EXPECT_EQ(totals[42].holder_pid, 77);
  // The thread it replaced is in an unknown state: no wait on a guess.
  EXPECT_TRUE(Open(s).empty());
}

TEST(WaitStateTest, LostRecordsDropTheWaitsQueuedOnThatCpu) {
  WaitState s;
  s.OnSwitch(1, 100, 42, 120, true, "a", 77, 89, "hog");
  s.OnSwitch(0, 100, 43, 120, true, "b", 78, 120, "c");
  s.OnLost(1);
  auto open = Open(s);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].pid, 43);
  EXPECT_EQ(s.Running(1), nullptr);
}

TEST(WaitStateTest, SumsManyShortWaitsAndKeepsTheLongestsHolder) {
  WaitState s;
  int64_t t = 0;
  for (int i = 0; i < 10; ++i) {
    s.OnSwitch(1, t, 42, 120, true, "victim", 50 + i, 100, "other");
    t += 10 + i;
    s.OnSwitch(1, t, 50 + i, 100, false, "other", 42, 120, "victim");
    t += 5;
  }
  std::unordered_map<int32_t, WaitTotals> totals;
  s.TakeTotals(totals);
  EXPECT_EQ(totals[42].waits, 10u);
  EXPECT_EQ(totals[42].sum_wait_ns, 10 * 10 + 45);
  EXPECT_EQ(totals[42].max_wait_ns, 19);
  EXPECT_EQ(totals[42].holder_pid, 59);
}

// ---- /proc/PID/stat

TEST(ProcStatTest, ParsesCommStatePrioAndCpu) {
  // Fields 3..39 of a FIFO 10 thread (priority -11) on CPU 1; comm with ") ".
  std::string text =
      "1234 (a) b (c) R 1 1234 1234 0 -1 4194560 100 0 0 0 5 6 0 0 -11 0 1 0 777 1000 50 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 10 1 0 0 0\n";
  std::optional<ProcTaskStat> s = ParseProcStat(text);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->comm, "a) b (c");
  EXPECT_EQ(s->state, 'R');
  EXPECT_EQ(s->prio, 89);
  EXPECT_EQ(s->cpu, 1);
  EXPECT_FALSE(ParseProcStat("garbage").has_value());
  EXPECT_FALSE(ParseProcStat("1 (x)").has_value());
}

TEST(ProcStatTest, ReadsThisThread) {
  std::optional<ProcTaskStat> s = ReadProcStat(getpid());
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->state, 'R');
  EXPECT_GE(s->cpu, 0);
  EXPECT_GE(s->prio, 100);
  EXPECT_FALSE(ReadProcStat(-5).has_value());
}

// ---- decoding raw ring-buffer pages

// Formats as Linux 6.x prints them (events/sched/*/format).
const char* kSwitchFormat = R"(name: sched_switch
ID: 372
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
	field:int common_pid;	offset:4;	size:4;	signed:1;

	field:char prev_comm[16];	offset:8;	size:16;	signed:0;
	field:pid_t prev_pid;	offset:24;	size:4;	signed:1;
	field:int prev_prio;	offset:28;	size:4;	signed:1;
	field:long prev_state;	offset:32;	size:8;	signed:1;
	field:char next_comm[16];	offset:40;	size:16;	signed:0;
	field:pid_t next_pid;	offset:56;	size:4;	signed:1;
	field:int next_prio;	offset:60;	size:4;	signed:1;

print fmt: "prev_pid=%d next_pid=%d", REC->prev_pid, REC->next_pid
)";
const char* kWakingFormat = R"(name: sched_waking
ID: 375
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
	field:int common_pid;	offset:4;	size:4;	signed:1;

	field:char comm[16];	offset:8;	size:16;	signed:0;
	field:pid_t pid;	offset:24;	size:4;	signed:1;
	field:int prio;	offset:28;	size:4;	signed:1;
	field:int target_cpu;	offset:32;	size:4;	signed:1;

print fmt: "comm=%s pid=%d prio=%d target_cpu=%03d", REC->comm, REC->pid, REC->prio, REC->target_cpu
)";

template <typename T>
void Put(std::vector<uint8_t>& buf, size_t off, T v) {
  if (buf.size() < off + sizeof v) buf.resize(off + sizeof v);
  std::memcpy(buf.data() + off, &v, sizeof v);
}

// Builds a ring-buffer sub-buffer: 8-byte timestamp, 8-byte commit (data
// length plus flags), then events with a 4-byte header (type_len = payload
// words in the low 5 bits, time delta in the high 27).
class PageBuilder {
 public:
  explicit PageBuilder(uint64_t ts) { Put<uint64_t>(page_, 0, ts); }
  void Add(uint32_t delta, const std::vector<uint8_t>& payload) {
    const auto words = static_cast<uint32_t>((payload.size() + 3) / 4);
    Put<uint32_t>(data_, data_.size(), (delta << 5) | words);
    std::vector<uint8_t> p = payload;
    p.resize(words * 4, 0);
    data_.insert(data_.end(), p.begin(), p.end());
  }
  std::vector<uint8_t> Build(bool missed) const {
    std::vector<uint8_t> page = page_;
    uint64_t commit = data_.size() | (missed ? (1ULL << 31) : 0);
    Put<uint64_t>(page, 8, commit);
    page.insert(page.end(), data_.begin(), data_.end());
    page.resize(4096, 0);
    return page;
  }

 private:
  std::vector<uint8_t> page_, data_;
};

std::vector<uint8_t> SwitchPayload(int32_t prev, int32_t prev_prio, int64_t prev_state, const char* prev_comm,
                                   int32_t next, int32_t next_prio, const char* next_comm) {
  std::vector<uint8_t> p(64, 0);
  Put<uint16_t>(p, 0, 372);
  Put<int32_t>(p, 4, prev);
  std::memcpy(p.data() + 8, prev_comm, strnlen(prev_comm, 16));
  Put<int32_t>(p, 24, prev);
  Put<int32_t>(p, 28, prev_prio);
  Put<int64_t>(p, 32, prev_state);
  std::memcpy(p.data() + 40, next_comm, strnlen(next_comm, 16));
  Put<int32_t>(p, 56, next);
  Put<int32_t>(p, 60, next_prio);
  return p;
}

std::vector<uint8_t> WakingPayload(int32_t waker, int32_t pid, int32_t prio, int32_t target, const char* comm) {
  std::vector<uint8_t> p(36, 0);
  Put<uint16_t>(p, 0, 375);
  Put<int32_t>(p, 4, waker);
  std::memcpy(p.data() + 8, comm, strnlen(comm, 16));
  Put<int32_t>(p, 24, pid);
  Put<int32_t>(p, 28, prio);
  Put<int32_t>(p, 32, target);
  return p;
}

TEST(SchedDecoderTest, DecodesSwitchAndWakingRecordsWithTheirTimes) {
  auto decoder = SchedDecoder::Create({kSwitchFormat, kWakingFormat}, "test");
  ASSERT_TRUE(decoder.ok()) << decoder.status().message();
  PageBuilder b(1'000'000);
  b.Add(0, SwitchPayload(42, 120, /*R+*/ 0x100, "victim", 77, 89, "hog"));
  b.Add(500, WakingPayload(77, 43, 120, 1, "kworker/1:2"));
  b.Add(250, SwitchPayload(77, 89, /*S*/ 1, "hog", 0, 120, "swapper/1"));
  std::vector<SchedRecord> out;
  bool missed = true;
  std::vector<uint8_t> page = b.Build(false);
  ASSERT_TRUE((*decoder)->DecodePage(1, page, out, missed).ok());
  EXPECT_FALSE(missed);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].kind, SchedRecord::Kind::kSwitch);
  EXPECT_EQ(out[0].ts, 1'000'000);
  EXPECT_EQ(out[0].cpu, 1);
  EXPECT_EQ(out[0].pid, 42);
  EXPECT_TRUE(out[0].prev_runnable);
  EXPECT_EQ(out[0].next_pid, 77);
  EXPECT_EQ(out[0].next_prio, 89);
  EXPECT_STREQ(out[0].comm.data(), "victim");
  EXPECT_STREQ(out[0].next_comm.data(), "hog");
  EXPECT_EQ(out[1].kind, SchedRecord::Kind::kWakeup);
  EXPECT_EQ(out[1].ts, 1'000'500);
  EXPECT_EQ(out[1].header_pid, 77);
  EXPECT_EQ(out[1].pid, 43);
  EXPECT_EQ(out[1].target_cpu, 1);
  EXPECT_STREQ(out[1].comm.data(), "kworker/1:2");
  EXPECT_EQ(out[2].ts, 1'000'750);
  EXPECT_FALSE(out[2].prev_runnable);
  EXPECT_EQ(out[2].next_pid, 0);
}

TEST(SchedDecoderTest, ReportsMissedEventsAndSkipsUnknownRecordTypes) {
  auto decoder = SchedDecoder::Create({kSwitchFormat}, "test");
  ASSERT_TRUE(decoder.ok()) << decoder.status().message();
  PageBuilder b(5);
  b.Add(0, WakingPayload(77, 43, 120, 1, "x"));  // sched_waking's format was not given
  std::vector<SchedRecord> out;
  bool missed = false;
  std::vector<uint8_t> page = b.Build(true);
  ASSERT_TRUE((*decoder)->DecodePage(0, page, out, missed).ok());
  EXPECT_TRUE(missed);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, SchedRecord::Kind::kOther);
  EXPECT_EQ(out[0].header_pid, 77) << "an unknown record still names who ran";
}

TEST(SchedDecoderTest, RejectsFormatsWithoutSchedSwitch) {
  auto decoder = SchedDecoder::Create({kWakingFormat}, "/x/events/sched");
  ASSERT_FALSE(decoder.ok());
  EXPECT_NE(decoder.status().message().find("/x/events/sched"), std::string::npos);
  std::vector<SchedRecord> out;
  bool missed = false;
  auto ok = SchedDecoder::Create({kSwitchFormat}, "t");
  ASSERT_TRUE(ok.ok());
  std::vector<uint8_t> tiny(8, 0);
  EXPECT_FALSE((*ok)->DecodePage(0, tiny, out, missed).ok());
}

}  // namespace
}  // namespace kstarve::guard
