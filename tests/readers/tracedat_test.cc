// The trace.dat reader against `trace-cmd report -t` text of the same
// recordings (tests/readers/data/tracedat/README.md), and on broken files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "reader_test_util.h"
#include "readers/tracedat/byte_order.h"
#include "readers/tracedat/cpu_stream.h"
#include "readers/tracedat/event_format.h"
#include "readers/tracedat/trace_dat_file.h"

namespace kstarve {
namespace {

using testing::DataPath;
using testing::ReadOutcome;
using testing::ReadPath;

std::string TraceDatPath(const std::string& name) {
  return DataPath("tracedat/" + name);
}

std::string Unzstd(const std::string& path) {
  std::string packed = testing::ReadFileBytes(path);
  unsigned long long size = ZSTD_getFrameContentSize(packed.data(), packed.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) return {};
  std::string out(size, '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), packed.data(), packed.size());
  if (ZSTD_isError(n) != 0U) return {};
  out.resize(n);
  return out;
}

// One event as text, with strings resolved, for comparing two reads.
std::string Describe(const ReadOutcome& o, const Event& e) {
  std::ostringstream s;
  s << e.ts << " cpu" << e.cpu << " " << e.pid << ":" << o.Str(e.pid_comm) << " " << EventKindName(e.kind)
    << " state=" << (e.state & 0xff) << " prio=" << e.prio << "/" << e.prio2 << " tid=" << e.tid << "/" << e.tid2
    << " arg=" << e.arg << "/" << e.arg2 << " comm=" << o.Str(e.comm) << "/" << o.Str(e.comm2) << " value=" << e.value;
  return s.str();
}

std::vector<std::string> Describe(const ReadOutcome& o, bool with_lost) {
  std::vector<std::string> out;
  for (const Event& e : o.sink.events) {
    if (e.kind == EventKind::kLost && !with_lost) continue;
    out.push_back(Describe(o, e));
  }
  return out;
}

struct Pair {
  std::string dat;
  std::string report;
};

class TraceDatVsReportTest : public ::testing::TestWithParam<Pair> {};

// Every record the text of `trace-cmd report -t` shows, the reader gives
// with the same fields; the dropped-events lines become kLost events with
// their counts, in the same order.
TEST_P(TraceDatVsReportTest, SameEventsAsTraceCmdReport) {
  ReadOutcome dat;
  ReadPath(TraceDatPath(GetParam().dat), dat);
  ASSERT_TRUE(dat.format.ok()) << dat.format.status().message();
  EXPECT_EQ(*dat.format, TraceFormat::kTraceDat);
  EXPECT_EQ(dat.stats.malformed, 0u);
  ReadOutcome text;
  ReadPath(TraceDatPath(GetParam().report), text);
  ASSERT_TRUE(text.format.ok()) << text.format.status().message();
  EXPECT_EQ(*text.format, TraceFormat::kTraceCmdReport);

  // Lost markers too: the text reader reads "inst: CPU:N [M EVENTS DROPPED]".
  std::vector<std::string> a = Describe(dat, true);
  std::vector<std::string> b = Describe(text, true);
  ASSERT_GT(a.size(), 1000u);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << "event " << i;

  std::vector<std::pair<int, uint64_t>> dropped;
  std::string report = Unzstd(TraceDatPath(GetParam().report));
  std::regex marker(R"(CPU:(\d+) \[(\d+) EVENTS DROPPED\])");
  for (auto it = std::sregex_iterator(report.begin(), report.end(), marker); it != std::sregex_iterator(); ++it) {
    dropped.emplace_back(std::stoi((*it)[1].str()), std::stoull((*it)[2].str()));
  }
  std::vector<std::pair<int, uint64_t>> lost;
  for (const Event& e : dat.OfKind(EventKind::kLost)) lost.emplace_back(e.cpu, e.value);
  EXPECT_EQ(lost, dropped);
}

INSTANTIATE_TEST_SUITE_P(Recorded, TraceDatVsReportTest,
                         ::testing::Values(Pair{"small.v7.dat.zst", "small.report.txt.zst"},
                                           Pair{"lost.v7.dat.zst", "lost.report.txt.zst"},
                                           Pair{"lost.v6.dat.zst", "lost.report.txt.zst"},
                                           Pair{"lost.v7-zstd.dat", "lost.report.txt.zst"}),
                         [](const auto& info) {
                           std::string n = info.param.dat;
                           for (char& c : n) {
                             if (c == '.' || c == '-') c = '_';
                           }
                           return n;
                         });

TEST(TraceDatTest, VersionsAndCompressionsReadTheSame) {
  ReadOutcome v7;
  ReadOutcome v6;
  ReadOutcome zstd;
  ReadPath(TraceDatPath("lost.v7.dat.zst"), v7);
  ReadPath(TraceDatPath("lost.v6.dat.zst"), v6);
  ReadPath(TraceDatPath("lost.v7-zstd.dat"), zstd);
  ASSERT_TRUE(v7.format.ok() && v6.format.ok() && zstd.format.ok());
  EXPECT_EQ(Describe(v6, true), Describe(v7, true));
  EXPECT_EQ(Describe(zstd, true), Describe(v7, true));
  ASSERT_FALSE(v7.stats.notes.empty());
  EXPECT_NE(v6.stats.notes[0].find("version 6"), std::string::npos) << v6.stats.notes[0];
  EXPECT_NE(v7.stats.notes[0].find("\"kstarve_td\""), std::string::npos) << v7.stats.notes[0];
}

TEST(TraceDatTest, MissedEventsPagesBecomeLostEventsWithCounts) {
  ReadOutcome lost;
  ReadPath(TraceDatPath("lost.v7-zstd.dat"), lost);
  ASSERT_TRUE(lost.format.ok());
  std::vector<Event> l = lost.OfKind(EventKind::kLost);
  ASSERT_FALSE(l.empty());
  for (const Event& e : l) {
    EXPECT_GT(e.value, 0u);
    EXPECT_GE(e.cpu, 0);
  }
  ReadOutcome small;
  ReadPath(TraceDatPath("small.v7.dat.zst"), small);
  ASSERT_TRUE(small.format.ok());
  EXPECT_TRUE(small.OfKind(EventKind::kLost).empty());
}

TEST(TraceDatTest, EventsComeInTimeOrder) {
  ReadOutcome o;
  ReadPath(TraceDatPath("small.v7.dat.zst"), o);
  ASSERT_TRUE(o.format.ok());
  for (size_t i = 1; i < o.sink.events.size(); ++i) ASSERT_LE(o.sink.events[i - 1].ts, o.sink.events[i].ts) << i;
}

TEST(TraceDatTest, BytesInMemoryReadLikeTheFile) {
  std::string bytes = Unzstd(TraceDatPath("lost.v7.dat.zst"));
  ASSERT_FALSE(bytes.empty());
  ReadOutcome file;
  ReadPath(TraceDatPath("lost.v7.dat.zst"), file);
  ReadOutcome memory;
  memory.format = ReadTraceBuffer(bytes, "lost.dat", memory.strings, memory.sink, memory.stats);
  ASSERT_TRUE(memory.format.ok()) << memory.format.status().message();
  EXPECT_EQ(*memory.format, TraceFormat::kTraceDat);
  EXPECT_EQ(Describe(memory, true), Describe(file, true));
}

// A trace.dat file with uncompressed CPU data on disk is read with pread()
// through a window per CPU, not from memory: the events must be the same.
TEST(TraceDatTest, PlainFileReadsLikeItsBytesInMemory) {
  for (const char* name : {"lost.v7.dat.zst", "lost.v6.dat.zst", "small.v7.dat.zst"}) {
    std::string bytes = Unzstd(TraceDatPath(name));
    ASSERT_FALSE(bytes.empty()) << name;
    std::string path = testing::TempPath("plain.dat");
    testing::WriteFileBytes(path, bytes);
    ReadOutcome file;
    ReadPath(path, file);
    std::remove(path.c_str());
    ASSERT_TRUE(file.format.ok()) << file.format.status().message();
    EXPECT_EQ(*file.format, TraceFormat::kTraceDat);
    ReadOutcome memory;
    memory.format = ReadTraceBuffer(bytes, "mem.dat", memory.strings, memory.sink, memory.stats);
    ASSERT_TRUE(memory.format.ok()) << memory.format.status().message();
    EXPECT_GT(file.sink.events.size(), 1000u) << name;
    EXPECT_EQ(Describe(file, true), Describe(memory, true)) << name;
    EXPECT_EQ(file.stats.malformed, memory.stats.malformed) << name;
  }
}

Result<TraceFormat> ReadBytes(const std::string& bytes, ReadOutcome& o) {
  o.format = ReadTraceBuffer(bytes, "cut.dat", o.strings, o.sink, o.stats);
  return o.format;
}

struct CutCounts {
  size_t errors = 0;
  size_t partial = 0;
};

// Reads `full` cut at each of `cuts`: an error must name the file and an
// offset; a success must give no more events than the whole file, and if
// fewer, report the cut with an offset.
CutCounts ReadCuts(const std::string& full, const std::vector<size_t>& cuts) {
  ReadOutcome whole;
  EXPECT_TRUE(ReadBytes(full, whole).ok());
  CutCounts counts;
  for (size_t cut : cuts) {
    ReadOutcome o;
    Result<TraceFormat> r = ReadBytes(full.substr(0, cut), o);
    if (!r.ok()) {
      ++counts.errors;
      EXPECT_EQ(r.status().message().rfind("cut.dat: offset ", 0), 0u) << cut << ": " << r.status().message();
      EXPECT_NE(r.status().message().find("expected"), std::string::npos) << r.status().message();
      continue;
    }
    EXPECT_EQ(*r, TraceFormat::kTraceDat);
    EXPECT_LE(o.sink.events.size(), whole.sink.events.size()) << cut;
    if (o.sink.events.size() < whole.sink.events.size()) {
      ++counts.partial;
      EXPECT_GT(o.stats.malformed, 0u) << cut;
      if (o.stats.problems.empty()) {
        ADD_FAILURE() << "no problem reported for a cut at " << cut;
      } else {
        EXPECT_NE(o.stats.problems[0].find("offset"), std::string::npos) << o.stats.problems[0];
      }
    }
  }
  return counts;
}

// v7 with compression keeps its buffer options after the data: any cut
// loses them, and the error says where.
TEST(TraceDatTest, TruncatedV7FileGivesClearErrors) {
  std::string full = testing::ReadFileBytes(TraceDatPath("lost.v7-zstd.dat"));
  ASSERT_GT(full.size(), 100000u);
  std::vector<size_t> cuts;
  for (size_t cut = 10; cut < full.size(); cut += cut < 4096 ? 61 : 1999) cuts.push_back(cut);
  CutCounts c = ReadCuts(full, cuts);
  EXPECT_EQ(c.errors, cuts.size());
}

// v6 keeps the data last: a cut in it reads the events before the cut.
TEST(TraceDatTest, TruncatedV6FileReadsWhatIsThere) {
  std::string full = Unzstd(TraceDatPath("lost.v6.dat.zst"));
  Result<tracedat::TraceDatFile> file = tracedat::ParseTraceDatFile(full, "x");
  ASSERT_TRUE(file.ok()) << file.status().message();
  uint64_t data_start = full.size();
  for (const tracedat::BufferInfo& b : file->buffers) {
    for (const tracedat::CpuData& c : b.cpus) {
      if (c.size > 0) data_start = std::min(data_start, c.offset);
    }
  }
  std::vector<size_t> cuts = {10, 17, 18, 40, 5000, 300000};  // in the headers
  for (size_t cut = data_start - 4; cut < full.size(); cut += 1031) cuts.push_back(cut);
  CutCounts c = ReadCuts(full, cuts);
  EXPECT_GE(c.errors, 6u);
  EXPECT_GT(c.partial, 10u);
}

// lost.v7.dat with page `index` of the first CPU that has more pages made
// to claim a committed size beyond the page; `offset` is that page's.
struct CorruptedFile {
  std::string original, broken;
  uint64_t offset = 0;
};

CorruptedFile CorruptPage(uint64_t index) {
  CorruptedFile f;
  f.original = Unzstd(TraceDatPath("lost.v7.dat.zst"));
  Result<tracedat::TraceDatFile> file = tracedat::ParseTraceDatFile(f.original, "x");
  EXPECT_TRUE(file.ok()) << file.status().message();
  if (!file.ok()) return f;
  const tracedat::CpuData* cpu = nullptr;
  for (const tracedat::BufferInfo& b : file->buffers) {
    for (const tracedat::CpuData& c : b.cpus) {
      if (c.size >= (index + 1) * uint64_t{file->page_size} && cpu == nullptr) cpu = &c;
    }
  }
  EXPECT_NE(cpu, nullptr) << "no CPU with " << index + 1 << " pages";
  if (cpu == nullptr) return f;
  f.offset = cpu->offset + index * uint64_t{file->page_size};
  f.broken = f.original;
  const char huge[8] = {'\xff', '\xff', '\xff', '\x07', 0, 0, 0, 0};  // little-endian 0x07ffffff
  f.broken.replace(f.offset + file->page.commit_offset, 8, huge, 8);
  return f;
}

// A page whose committed size exceeds the page is skipped and reported with
// its file offset; the other pages still read.
TEST(TraceDatTest, CorruptPageIsSkippedAndReported) {
  const CorruptedFile f = CorruptPage(1);  // the second page
  ASSERT_FALSE(f.broken.empty());
  ReadOutcome whole;
  ReadOutcome o;
  ASSERT_TRUE(ReadBytes(f.original, whole).ok());
  ASSERT_TRUE(ReadBytes(f.broken, o).ok()) << o.format.status().message();
  EXPECT_EQ(o.stats.malformed, 1u);
  ASSERT_EQ(o.stats.problems.size(), 1u);
  EXPECT_NE(o.stats.problems[0].find("offset " + std::to_string(f.offset)), std::string::npos) << o.stats.problems[0];
  EXPECT_LT(o.sink.events.size(), whole.sink.events.size());
  EXPECT_GT(o.sink.events.size(), whole.sink.events.size() / 2);
}

// The same through the file path: the offset named is the page's in the file.
TEST(TraceDatTest, CorruptPageInPlainFileIsReportedAtItsOffset) {
  const CorruptedFile f = CorruptPage(3);
  ASSERT_FALSE(f.broken.empty());
  const uint64_t page = f.offset;
  const std::string& broken = f.broken;
  std::string path = testing::TempPath("corrupt.dat");
  testing::WriteFileBytes(path, broken);
  ReadOutcome o;
  ReadPath(path, o);
  std::remove(path.c_str());
  ASSERT_TRUE(o.format.ok()) << o.format.status().message();
  EXPECT_EQ(o.stats.malformed, 1u);
  ASSERT_EQ(o.stats.problems.size(), 1u);
  EXPECT_NE(o.stats.problems[0].find("offset " + std::to_string(page) + " "), std::string::npos) << o.stats.problems[0];
}

// CpuStream over a file: windows of any number of whole pages give the
// records the in-memory stream gives, and a file shorter than the CPU data
// said is reported at the offset where it ends.
class CpuStreamFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = Unzstd(TraceDatPath("lost.v7.dat.zst"));
    Result<tracedat::TraceDatFile> file = tracedat::ParseTraceDatFile(bytes_, "x");
    ASSERT_TRUE(file.ok()) << file.status().message();
    config_.page = file->page;
    config_.page_size = file->page_size;
    config_.swap = file->swap;
    config_.big_endian = file->swap != tracedat::HostIsBigEndian();
    config_.long_size = file->long_size;
    for (const tracedat::BufferInfo& b : file->buffers) {
      for (const tracedat::CpuData& c : b.cpus) {
        if (c.size > cpu_.size) cpu_ = c;
      }
    }
    ASSERT_GE(cpu_.size, 5 * uint64_t{config_.page_size});
    path_ = testing::TempPath("cpu_stream.dat");
    testing::WriteFileBytes(path_, bytes_);
    fd_ = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override {
    if (fd_ >= 0) close(fd_);
    std::remove(path_.c_str());
  }

  static std::vector<std::string> Records(tracedat::CpuStream& s) {
    std::vector<std::string> out;
    tracedat::Record r;
    while (s.Next(r)) {
      out.push_back(std::to_string(r.ts) + " " + std::to_string(r.missed) + " " + std::string(r.data, r.size));
    }
    return out;
  }

  std::string bytes_;
  tracedat::CpuStreamConfig config_;
  tracedat::CpuData cpu_;
  std::string path_;
  int fd_ = -1;
};

TEST_F(CpuStreamFileTest, WindowsOfAnySizeGiveTheSameRecords) {
  tracedat::CpuStream memory(config_, std::string_view(bytes_).substr(cpu_.offset, cpu_.size), cpu_.offset);
  std::vector<std::string> want = Records(memory);
  ASSERT_GT(want.size(), 100u);
  EXPECT_EQ(memory.problems(), 0u);
  const size_t page = config_.page_size;
  for (size_t window : {size_t{0}, page, page + 1, 3 * page, size_t{1} << 20}) {
    tracedat::CpuStream file(config_, fd_, cpu_.offset, cpu_.size, window);
    EXPECT_EQ(Records(file), want) << "window " << window;
    EXPECT_EQ(file.problems(), 0u) << file.first_problem();
  }
}

TEST_F(CpuStreamFileTest, FileShorterThanTheDataIsReported) {
  uint64_t end = cpu_.offset + 2 * uint64_t{config_.page_size} + 100;
  ASSERT_EQ(truncate(path_.c_str(), static_cast<off_t>(end)), 0);
  tracedat::CpuStream file(config_, fd_, cpu_.offset, cpu_.size, config_.page_size);
  std::vector<std::string> got = Records(file);
  EXPECT_GT(got.size(), 0u);
  EXPECT_GE(file.problems(), 1u);
  EXPECT_EQ(file.first_problem().rfind("offset " + std::to_string(end) + " ", 0), 0u) << file.first_problem();
  EXPECT_NE(file.first_problem().find("the file ends"), std::string::npos) << file.first_problem();
}

TEST(TraceDatTest, UnsupportedVersionIsNamed) {
  std::string bytes = std::string(tracedat::kMagic) + std::string("5\0", 2) + std::string(16, '\0');
  ReadOutcome o;
  Result<TraceFormat> r = ReadBytes(bytes, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("file version 6 or 7, found 5"), std::string::npos) << r.status().message();
}

TEST(TraceDatFormatTest, FieldsOfArraysAndDynamicStrings) {
  const char* text =
      "name: irq_handler_entry\nID: 123\nformat:\n"
      "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
      "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
      "\tfield:int irq;\toffset:8;\tsize:4;\tsigned:1;\n"
      "\tfield:__data_loc char[] name;\toffset:12;\tsize:4;\tsigned:0;\n"
      "\tfield:char comm[16];\toffset:16;\tsize:16;\tsigned:0;\n\n"
      "print fmt: \"irq=%d name=%s\", REC->irq, __get_str(name)\n";
  tracedat::EventFormat f;
  std::string error;
  ASSERT_TRUE(tracedat::ParseEventFormat(text, "irq", f, error)) << error;
  EXPECT_EQ(f.id, 123);
  const tracedat::FieldFormat* name = f.Find("name");
  ASSERT_NE(name, nullptr);
  EXPECT_TRUE(name->data_loc);
  EXPECT_EQ(name->offset, 12u);
  const tracedat::FieldFormat* comm = f.Find("comm");
  ASSERT_NE(comm, nullptr);
  EXPECT_EQ(comm->size, 16u);
  EXPECT_FALSE(comm->data_loc);
  const tracedat::FieldFormat* pid = f.Find("common_pid");
  ASSERT_NE(pid, nullptr);
  EXPECT_TRUE(pid->is_signed);
  EXPECT_FALSE(tracedat::ParseEventFormat("name: x\nformat:\n", "s", f, error));
  EXPECT_NE(error.find("ID"), std::string::npos);
}

TEST(TraceDatFormatTest, PageHeaderOf32BitKernel) {
  const char* text =
      "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
      "\tfield: local_t commit;\toffset:8;\tsize:4;\tsigned:1;\n"
      "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
      "\tfield: char data;\toffset:12;\tsize:4084;\tsigned:1;\n";
  tracedat::PageHeaderLayout page;
  std::string error;
  ASSERT_TRUE(tracedat::ParsePageHeader(text, page, error)) << error;
  EXPECT_EQ(page.commit_size, 4u);
  EXPECT_EQ(page.data_offset, 12u);
  EXPECT_FALSE(tracedat::ParsePageHeader("\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n", page, error));
}

}  // namespace
}  // namespace kstarve
