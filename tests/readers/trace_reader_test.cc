// Whole-input reading: sniffing, markers, counters, errors.
#include "readers/trace_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "reader_test_util.h"
#include "readers/sniff.h"

namespace kstarve {
namespace {

using testing::DataPath;
using testing::ReadFileBytes;
using testing::ReadOutcome;
using testing::ReadPath;
using testing::ReadText;

constexpr std::string_view kFtraceSnippet =
    "# tracer: nop\n"
    "#\n"
    "            bash-4042    [000] d..2.   500.397909: sched_wakeup_new: comm=bash pid=4047 prio=120 target_cpu=001\n"
    "            bash-4042    [000] d.h2.   500.399918: softirq_raise: vec=9 [action=RCU]\n"
    "            bash-4042    [000] ..s2.   500.399923: softirq_entry: vec=9 [action=RCU]\n"
    "            bash-4042    [000] d..2.   500.399924: sched_switch: prev_comm=bash prev_pid=4042 prev_prio=120 "
    "prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120\n";

TEST(TraceReaderTest, SeedMailIsReadAsIs) {
  ReadOutcome r;
  ReadPath(DataPath("lkml-eevdf-vhost-regression.txt"), r);
  ASSERT_TRUE(r.format.ok()) << r.format.status().message();
  EXPECT_EQ(*r.format, TraceFormat::kFtraceText);
  EXPECT_EQ(r.stats.malformed, 0u) << (r.stats.problems.empty() ? "" : r.stats.problems[0]);
  // 12 sched_place + 2 sched_stat_blocked lines are someone else's events.
  EXPECT_EQ(r.stats.other_events, 14u);
  EXPECT_EQ(r.stats.events, 37u);
  EXPECT_EQ(r.stats.lines, 234u);  // the last has no newline
  EXPECT_EQ(r.stats.skipped_lines, 234u - 37u - 14u);

  bool found_waking = false;
  for (const Event& e : r.OfKind(EventKind::kWaking)) {
    if (e.tid == 6525 && e.ts == 576'161'478'000) {
      found_waking = true;
      EXPECT_EQ(r.Str(e.comm), "kworker/14:0");
      EXPECT_EQ(e.cpu, 14);
      EXPECT_EQ(e.arg, 14);
      EXPECT_EQ(r.Str(e.pid_comm), "vhost-2920");
      EXPECT_EQ(e.pid, 2941);
    }
  }
  EXPECT_TRUE(found_waking);
  const Event& first = r.sink.events.front();
  EXPECT_EQ(first.kind, EventKind::kMigrate);
  EXPECT_EQ(r.Str(first.pid_comm), "CPU 3/KVM");
  EXPECT_EQ(first.pid, 2950);
  EXPECT_EQ(first.arg, 14);
  EXPECT_EQ(first.arg2, 15);
  std::vector<Event> waits = r.OfKind(EventKind::kStatWait);
  ASSERT_FALSE(waits.empty());
  EXPECT_EQ(waits.back().value, 39'718'472u);
  std::vector<Event> switches = r.OfKind(EventKind::kSwitch);
  ASSERT_EQ(switches.size(), 5u);
  EXPECT_EQ(r.Str(switches[0].comm), "CPU 3/KVM");
  EXPECT_EQ(switches[1].state, kStatePreempted);
  EXPECT_EQ(switches[2].state, kStateI);
}

TEST(TraceReaderTest, SniffsEachFormat) {
  ReadOutcome ftrace;
  ReadText(kFtraceSnippet, ftrace);
  ASSERT_TRUE(ftrace.format.ok());
  EXPECT_EQ(*ftrace.format, TraceFormat::kFtraceText);
  EXPECT_EQ(ftrace.stats.events, 4u);
  EXPECT_EQ(ftrace.stats.skipped_lines, 2u);

  ReadOutcome tc_header;
  ReadText(
      "cpus=2\n"
      "           bash-8604  [000]  1177.764614: sched_process_fork:   comm=bash pid=8604 child_comm=bash "
      "child_pid=8606\n",
      tc_header);
  ASSERT_TRUE(tc_header.format.ok());
  EXPECT_EQ(*tc_header.format, TraceFormat::kTraceCmdReport);

  ReadOutcome tc_short;
  ReadText("     bash-8604  [000]  1177.766498: sched_switch:         bash:8604 [120] S ==> bash:8606 [120]\n",
           tc_short);
  ASSERT_TRUE(tc_short.format.ok());
  EXPECT_EQ(*tc_short.format, TraceFormat::kTraceCmdReport);
  EXPECT_EQ(tc_short.stats.events, 1u);

  ReadOutcome perf;
  ReadText(
      "            perf  8931 [000]  1209.092434:                sched:sched_waking: comm=migration/0 pid=18 "
      "prio=0 target_cpu=000\n"
      "\tffffffff813b4986 try_to_wake_up+0x3b6 ([kernel.kallsyms])\n",
      perf);
  ASSERT_TRUE(perf.format.ok());
  EXPECT_EQ(*perf.format, TraceFormat::kPerfScript);
  EXPECT_EQ(perf.stats.events, 1u);
  EXPECT_EQ(perf.stats.skipped_lines, 1u);
}

TEST(TraceReaderTest, TraceCmdHeaderLines) {
  EXPECT_TRUE(IsTraceCmdHeaderLine("cpus=2"));
  EXPECT_TRUE(IsTraceCmdHeaderLine("version = 6"));
  EXPECT_TRUE(IsTraceCmdHeaderLine("version=7 "));
  EXPECT_FALSE(IsTraceCmdHeaderLine("cpus=two"));
  EXPECT_FALSE(IsTraceCmdHeaderLine("version = 6.1 of the kernel"));
  ReadOutcome r;
  ReadText(
      "version = 6\n"
      "CPU 0 is empty\n"
      "cpus=8\n"
      "CPU:7 [204600 EVENTS DROPPED]\n"
      "           <...>-3979  [007]   217.975284: sched_stat_runtime:   comm=Thread-103 pid=3979 runtime=5014167 "
      "[ns] vruntime=244334517704 [ns]\n",
      r);
  ASSERT_TRUE(r.format.ok());
  EXPECT_EQ(*r.format, TraceFormat::kTraceCmdReport);
  ASSERT_EQ(r.sink.events.size(), 2u);
  EXPECT_EQ(r.sink.events[0].kind, EventKind::kLost);
  EXPECT_EQ(r.sink.events[0].value, 204600u);
  EXPECT_EQ(r.sink.events[0].cpu, 7);
  EXPECT_EQ(r.sink.events[1].pid_comm, kNoStr);
  EXPECT_EQ(r.stats.skipped_lines, 3u);
}

TEST(TraceReaderTest, FormatNames) {
  EXPECT_EQ(TraceFormatName(TraceFormat::kFtraceText), "ftrace");
  EXPECT_EQ(TraceFormatName(TraceFormat::kTraceCmdReport), "trace-cmd");
  EXPECT_EQ(TraceFormatName(TraceFormat::kPerfScript), "perf-script");
}

TEST(TraceReaderTest, TracePastedDeepIntoAMail) {
  std::string mail;
  for (int i = 0; i < 2000; ++i) mail += "Some discussion line " + std::to_string(i) + ": nothing [to] see-here\n";
  mail += kFtraceSnippet;
  mail += "Thanks,\nMe\n";
  ReadOutcome r;
  ReadText(mail, r);
  ASSERT_TRUE(r.format.ok()) << r.format.status().message();
  EXPECT_EQ(*r.format, TraceFormat::kFtraceText);
  EXPECT_EQ(r.stats.events, 4u);
  EXPECT_EQ(r.stats.skipped_lines, 2000u + 2u + 2u);
  EXPECT_EQ(r.sink.events.front().ts, 500'397'909'000);
}

TEST(TraceReaderTest, EmptyInput) {
  ReadOutcome r;
  ReadText("", r);
  ASSERT_FALSE(r.format.ok());
  EXPECT_EQ(r.format.status().message(), "test.txt: empty input");
}

TEST(TraceReaderTest, NoRecordsIsAnErrorWithLineCount) {
  ReadOutcome r;
  ReadText("hello\nworld\n\n", r);
  ASSERT_FALSE(r.format.ok());
  EXPECT_EQ(r.format.status().message(),
            "test.txt: no trace records found (expected ftrace text, perf script or trace-cmd report output); 3 "
            "lines read");
}

TEST(TraceReaderTest, BinaryGarbageIsTheNoRecordsError) {
  std::string garbage;
  uint32_t x = 12345;
  for (int i = 0; i < 300000; ++i) {
    x = x * 1103515245 + 12345;
    garbage.push_back(static_cast<char>(x >> 24));
  }
  ReadOutcome r;
  ReadText(garbage, r);
  ASSERT_FALSE(r.format.ok());
  EXPECT_NE(r.format.status().message().find("no trace records found"), std::string::npos)
      << r.format.status().message();
}

TEST(TraceReaderTest, GzipAndZstdGiveIdenticalEvents) {
  std::string text = ReadFileBytes(DataPath("ftrace_trace.txt"));
  ReadOutcome plain, gz, zst;
  ReadText(text, plain);
  ReadText(testing::GzipCompress(text), gz);
  ReadText(testing::ZstdCompress(text), zst);
  ASSERT_TRUE(plain.format.ok());
  ASSERT_TRUE(gz.format.ok());
  ASSERT_TRUE(zst.format.ok());
  ASSERT_GT(plain.sink.events.size(), 400u);
  for (const ReadOutcome* other : {&gz, &zst}) {
    ASSERT_EQ(other->sink.events.size(), plain.sink.events.size());
    EXPECT_EQ(other->stats.bytes, plain.stats.bytes);
    EXPECT_EQ(other->stats.lines, plain.stats.lines);
    for (size_t i = 0; i < plain.sink.events.size(); ++i) {
      const Event& a = plain.sink.events[i];
      const Event& b = other->sink.events[i];
      EXPECT_EQ(a.ts, b.ts);
      EXPECT_EQ(a.kind, b.kind);
      EXPECT_EQ(a.tid, b.tid);
      EXPECT_EQ(a.value, b.value);
      EXPECT_EQ(plain.Str(a.comm), other->Str(b.comm));
    }
  }
}

TEST(TraceReaderTest, ReadsStandardInput) {
  std::string path = testing::TempPath("stdin.txt.gz");
  testing::WriteFileBytes(path, testing::GzipCompress(kFtraceSnippet));
  int saved = dup(STDIN_FILENO);
  int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  dup2(fd, STDIN_FILENO);
  close(fd);
  ReadOutcome r;
  ReadPath("-", r);
  dup2(saved, STDIN_FILENO);
  close(saved);
  unlink(path.c_str());
  ASSERT_TRUE(r.format.ok()) << r.format.status().message();
  EXPECT_EQ(r.stats.events, 4u);
}

TEST(TraceReaderTest, MissingFile) {
  ReadOutcome r;
  ReadPath("/nonexistent/x.txt", r);
  ASSERT_FALSE(r.format.ok());
  EXPECT_EQ(r.format.status().message(), "/nonexistent/x.txt: cannot open: No such file or directory");
}

TEST(TraceReaderTest, MarkersTakeTheTimeOfANeighbouringEvent) {
  ReadOutcome r;
  ReadText(
      "CPU:0 [LOST 10 EVENTS]\n"
      "  a-1 [000] ..... 5.000001: softirq_entry: vec=1\n"
      "  a-1 [000] ..... 5.000002: softirq_exit: vec=1\n"
      "CPU:1 [LOST 20 EVENTS]\n"
      "##### CPU 2 buffer started ####\n"
      "  b-2 [002] ..... 5.000009: softirq_entry: vec=3\n"
      "##### CPU 3 buffer started ####\n",
      r);
  ASSERT_TRUE(r.format.ok());
  ASSERT_EQ(r.sink.events.size(), 7u);
  const auto& ev = r.sink.events;
  EXPECT_EQ(ev[0].kind, EventKind::kLost);  // nothing before it: the next event's time
  EXPECT_EQ(ev[0].cpu, 0);
  EXPECT_EQ(ev[0].value, 10u);
  EXPECT_EQ(ev[0].ts, 5'000'001'000);
  EXPECT_EQ(ev[1].kind, EventKind::kSoftirqEntry);
  EXPECT_EQ(ev[3].kind, EventKind::kLost);  // the previous event's time
  EXPECT_EQ(ev[3].cpu, 1);
  EXPECT_EQ(ev[3].ts, 5'000'002'000);
  EXPECT_EQ(ev[4].kind, EventKind::kCpuStart);  // the next event's time
  EXPECT_EQ(ev[4].cpu, 2);
  EXPECT_EQ(ev[4].ts, 5'000'009'000);
  EXPECT_EQ(ev[5].kind, EventKind::kSoftirqEntry);
  EXPECT_EQ(ev[6].kind, EventKind::kCpuStart);  // at the end: the last event's time
  EXPECT_EQ(ev[6].cpu, 3);
  EXPECT_EQ(ev[6].ts, 5'000'009'000);
}

TEST(TraceReaderTest, BackwardsTimestampsPassThroughInInputOrder) {
  ReadOutcome r;
  ReadText(
      "  a-1 [001] ..... 7.000300: softirq_entry: vec=1\n"
      "  a-1 [000] ..... 7.000100: softirq_entry: vec=2\n"
      "  a-1 [001] ..... 7.000200: softirq_entry: vec=3\n",
      r);
  ASSERT_TRUE(r.format.ok());
  ASSERT_EQ(r.sink.events.size(), 3u);
  EXPECT_EQ(r.sink.events[0].ts, 7'000'300'000);
  EXPECT_EQ(r.sink.events[1].ts, 7'000'100'000);
  EXPECT_EQ(r.sink.events[2].ts, 7'000'200'000);
}

TEST(TraceReaderTest, MalformedRecordsAreCountedAndTheFirstFewReported) {
  std::string text(kFtraceSnippet);
  for (int i = 0; i < 7; ++i) {
    text += "  a-1 [000] ..... 9.000000: sched_switch: prev_comm=a prev_pid=zz\n";
  }
  ReadOutcome r;
  ReadText(text, r);
  ASSERT_TRUE(r.format.ok());
  EXPECT_EQ(r.stats.malformed, 7u);
  ASSERT_EQ(r.stats.problems.size(), 5u);
  EXPECT_EQ(r.stats.problems[0], "test.txt:7: sched_switch: expected prev_pid=<number>");
  EXPECT_EQ(r.stats.problems[4], "test.txt:11: sched_switch: expected prev_pid=<number>");
}

TEST(TraceReaderTest, OverlongLineInsideATraceIsCounted) {
  std::string text(kFtraceSnippet);
  text += "  a-1 [000] ..... 9.000000: sched_switch: prev_comm=" + std::string(5000, 'a') + "\n";
  text += kFtraceSnippet;
  ReadOptions options;
  options.max_line_bytes = 1000;
  ReadOutcome r;
  ReadText(text, r, options);
  ASSERT_TRUE(r.format.ok());
  EXPECT_EQ(r.stats.overlong_lines, 1u);
  EXPECT_EQ(r.stats.events, 8u);
  EXPECT_EQ(r.stats.lines, 13u);
}

// Every way of cutting a trace short parses or is counted; none crashes.
TEST(TraceReaderTest, EveryPrefixOfATraceIsReadOrRejected) {
  std::string text = ReadFileBytes(DataPath("lkml-eevdf-vhost-regression.txt"));
  size_t start = text.find("CPU 3/KVM-2950 [014] d.... 576.161432");
  ASSERT_NE(start, std::string::npos);
  std::string trace = text.substr(start, 1200);
  for (size_t n = 0; n <= trace.size(); ++n) {
    ReadOutcome r;
    ReadText(std::string_view(trace).substr(0, n), r);
    if (!r.format.ok()) continue;
    // Each line is exactly one of these (a marker line is one event).
    EXPECT_EQ(r.stats.lines, r.stats.skipped_lines + r.stats.other_events + r.stats.malformed + r.stats.events +
                                 r.stats.overlong_lines)
        << n;
  }
}

}  // namespace
}  // namespace kstarve
