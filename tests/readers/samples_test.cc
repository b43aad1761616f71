// Real output captured on Linux 6.18 with trace-cmd 3.1.6 and perf 6.1
// (see data/README.md): every record of a used event parses, and the same
// recording read through different tools gives the same events.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "reader_test_util.h"
#include "readers/line_source.h"

namespace kstarve {
namespace {

using testing::DataPath;
using testing::ReadOutcome;
using testing::ReadPath;

// Counts records per used event independently of the parsers: by the
// "<name>: " that ends the record header.
std::map<EventKind, uint64_t> CountByName(const std::string& path) {
  Result<std::unique_ptr<LineSource>> src = OpenLineSource(path, 1 << 20);
  EXPECT_TRUE(src.ok());
  std::map<EventKind, uint64_t> counts;
  std::string_view line;
  while ((*src)->Next(line)) {
    for (int k = 0; k < static_cast<int>(EventKind::kLost); ++k) {
      auto kind = static_cast<EventKind>(k);
      std::string name(EventKindName(kind));
      if (line.find(" " + name + ": ") != std::string_view::npos ||
          line.find(":" + name + ": ") != std::string_view::npos) {
        ++counts[kind];
      }
    }
  }
  return counts;
}

std::map<EventKind, uint64_t> CountByKind(const ReadOutcome& r) {
  std::map<EventKind, uint64_t> counts;
  for (const Event& e : r.sink.events) {
    if (e.kind != EventKind::kLost && e.kind != EventKind::kCpuStart) ++counts[e.kind];
  }
  return counts;
}

void ExpectAllRecordsParse(const std::string& name, TraceFormat format) {
  ReadOutcome r;
  ReadPath(DataPath(name), r);
  ASSERT_TRUE(r.format.ok()) << r.format.status().message();
  EXPECT_EQ(*r.format, format) << name;
  EXPECT_EQ(r.stats.malformed, 0u) << (r.stats.problems.empty() ? "" : r.stats.problems[0]);
  EXPECT_EQ(CountByKind(r), CountByName(DataPath(name))) << name;
  EXPECT_GT(r.stats.events, 100u) << name;
}

TEST(SamplesTest, FtraceTraceFile) {
  ExpectAllRecordsParse("ftrace_trace.txt", TraceFormat::kFtraceText);
  ReadOutcome r;
  ReadPath(DataPath("ftrace_trace.txt"), r);
  EXPECT_EQ(r.stats.skipped_lines, 12u);  // the "# ..." header
  EXPECT_EQ(r.OfKind(EventKind::kWorkStart).size(), r.OfKind(EventKind::kWorkEnd).size());
  EXPECT_FALSE(r.OfKind(EventKind::kIrqEntry).empty());
}

TEST(SamplesTest, FtraceWithTgidColumnAndBufferStarted) {
  ExpectAllRecordsParse("ftrace_tgid_buffer_started.txt", TraceFormat::kFtraceText);
  ReadOutcome r;
  ReadPath(DataPath("ftrace_tgid_buffer_started.txt"), r);
  std::vector<Event> starts = r.OfKind(EventKind::kCpuStart);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].cpu, 1);
  // Stamped with the first event of that CPU's buffer, which follows it.
  bool next_is_cpu1 = false;
  for (size_t i = 0; i + 1 < r.sink.events.size(); ++i) {
    if (r.sink.events[i].kind == EventKind::kCpuStart) {
      EXPECT_EQ(r.sink.events[i].ts, r.sink.events[i + 1].ts);
      next_is_cpu1 = r.sink.events[i + 1].cpu == 1;
    }
  }
  EXPECT_TRUE(next_is_cpu1);
}

TEST(SamplesTest, TracePipeWithLostEvents) {
  ExpectAllRecordsParse("ftrace_pipe_lost.txt", TraceFormat::kFtraceText);
  ReadOutcome r;
  ReadPath(DataPath("ftrace_pipe_lost.txt"), r);
  std::vector<Event> lost = r.OfKind(EventKind::kLost);
  ASSERT_EQ(lost.size(), 2u);
  EXPECT_EQ(lost[0].cpu, 0);
  EXPECT_EQ(lost[0].value, 2112u);
  EXPECT_EQ(lost[0].ts, r.sink.events[1].ts);  // first line of the file: the next event's time
  EXPECT_EQ(lost[1].cpu, 1);
  EXPECT_EQ(lost[1].value, 399993u);
  for (size_t i = 1; i < r.sink.events.size(); ++i) {
    if (r.sink.events[i].kind == EventKind::kLost) {
      EXPECT_EQ(r.sink.events[i].ts, r.sink.events[i - 1].ts);
    }
  }
}

TEST(SamplesTest, TraceCmdReportDefaultAndRawAgree) {
  ExpectAllRecordsParse("trace_cmd_report.txt.gz", TraceFormat::kTraceCmdReport);
  ExpectAllRecordsParse("trace_cmd_report_raw.txt.zst", TraceFormat::kTraceCmdReport);
  ReadOutcome plugin, raw;
  ReadPath(DataPath("trace_cmd_report.txt.gz"), plugin);
  ReadPath(DataPath("trace_cmd_report_raw.txt.zst"), raw);
  ASSERT_EQ(plugin.sink.events.size(), raw.sink.events.size());
  size_t switches = 0;
  for (size_t i = 0; i < raw.sink.events.size(); ++i) {
    const Event& a = plugin.sink.events[i];
    const Event& b = raw.sink.events[i];
    EXPECT_EQ(a.ts, b.ts);
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.pid, b.pid);
    EXPECT_EQ(a.tid, b.tid);
    EXPECT_EQ(a.tid2, b.tid2);
    EXPECT_EQ(a.prio, b.prio);
    EXPECT_EQ(a.arg, b.arg);
    EXPECT_EQ(a.value, b.value);
    EXPECT_EQ(plugin.Str(a.comm), raw.Str(b.comm));
    EXPECT_EQ(plugin.Str(a.comm2), raw.Str(b.comm2));
    if (a.kind == EventKind::kSwitch) {
      ++switches;
      // The plugin's short form cannot show '+', the raw number can.
      EXPECT_EQ(a.state & 0xff, b.state & 0xff) << i;
      EXPECT_EQ(StaysRunnable(a.state), StaysRunnable(b.state)) << i;
    }
  }
  EXPECT_GT(switches, 50u);
}

TEST(SamplesTest, PerfScriptDefaultNsAndPidTid) {
  ExpectAllRecordsParse("perf_script.txt", TraceFormat::kPerfScript);
  ExpectAllRecordsParse("perf_script_ns.txt", TraceFormat::kPerfScript);
  ExpectAllRecordsParse("perf_script_pidtid.txt", TraceFormat::kPerfScript);
  ReadOutcome us, ns, pidtid;
  ReadPath(DataPath("perf_script.txt"), us);
  ReadPath(DataPath("perf_script_ns.txt"), ns);
  ReadPath(DataPath("perf_script_pidtid.txt"), pidtid);
  ASSERT_EQ(ns.sink.events.size(), pidtid.sink.events.size());
  for (size_t i = 0; i < ns.sink.events.size(); ++i) {
    EXPECT_EQ(ns.sink.events[i].ts / 1000, us.sink.events[i].ts / 1000);
    EXPECT_EQ(ns.sink.events[i].ts / 1000 * 1000, pidtid.sink.events[i].ts);
    EXPECT_EQ(ns.sink.events[i].pid, pidtid.sink.events[i].pid);
    EXPECT_EQ(ns.sink.events[i].tid, pidtid.sink.events[i].tid);
  }
  EXPECT_NE(ns.sink.events[0].ts % 1000, 0);
}

TEST(SamplesTest, PerfScriptWithCallchains) {
  ReadOutcome r;
  ReadPath(DataPath("perf_script_callchain.txt"), r);
  ASSERT_TRUE(r.format.ok()) << r.format.status().message();
  EXPECT_EQ(*r.format, TraceFormat::kPerfScript);
  EXPECT_EQ(r.stats.malformed, 0u);
  EXPECT_EQ(r.stats.events, CountByName(DataPath("perf_script_callchain.txt"))[EventKind::kSwitch] +
                                CountByName(DataPath("perf_script_callchain.txt"))[EventKind::kWaking]);
  EXPECT_GT(r.stats.skipped_lines, 20u);
}

}  // namespace
}  // namespace kstarve
