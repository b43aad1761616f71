// Lines from files, stdin, memory, gzip and zstd.
#include "readers/line_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "reader_test_util.h"
#include "readers/decompress.h"

namespace kstarve {
namespace {

using testing::GzipCompress;
using testing::TempPath;
using testing::WriteFileBytes;
using testing::ZstdCompress;

std::vector<std::string> AllLines(LineSource& src) {
  std::vector<std::string> out;
  std::string_view line;
  while (src.Next(line)) out.emplace_back(line);
  return out;
}

std::unique_ptr<LineSource> FromMemory(std::string_view data, size_t max_line = 1 << 20, size_t chunk = 64) {
  // A tiny chunk size forces lines to straddle reads.
  Result<std::unique_ptr<ByteSource>> decoded = DecompressingSource(MemoryByteSource(data));
  EXPECT_TRUE(decoded.ok());
  return std::make_unique<LineSource>(std::move(*decoded), "mem", max_line, chunk);
}

TEST(LineSourceTest, SplitsLinesStripsCarriageReturnKeepsLastLine) {
  auto src = FromMemory("a\r\n\nbb\nlast");
  EXPECT_EQ(AllLines(*src), (std::vector<std::string>{"a", "", "bb", "last"}));
  EXPECT_TRUE(src->status().ok());
  EXPECT_EQ(src->line_number(), 4u);
  EXPECT_EQ(src->bytes(), 11u);
}

TEST(LineSourceTest, LinesStraddlingChunks) {
  std::string text;
  std::vector<std::string> expected;
  for (int i = 0; i < 500; ++i) {
    expected.push_back(std::string(static_cast<size_t>(i % 97), static_cast<char>('a' + i % 26)));
    text += expected.back() + "\n";
  }
  auto src = FromMemory(text, 1 << 20, 64);
  EXPECT_EQ(AllLines(*src), expected);
}

TEST(LineSourceTest, OverlongLinesAreSkippedAndCounted) {
  std::string text = "short\n" + std::string(300, 'x') + "\nok\n" + std::string(300, 'y');
  auto src = FromMemory(text, 100, 64);
  EXPECT_EQ(AllLines(*src), (std::vector<std::string>{"short", "ok"}));
  EXPECT_EQ(src->overlong_lines(), 2u);
  EXPECT_EQ(src->line_number(), 4u);
  // Exactly at the limit is fine.
  // (The source keeps a view of its input: the text must outlive it.)
  const std::string at_limit = std::string(100, 'z') + "\n";
  auto exact = FromMemory(at_limit, 100, 64);
  EXPECT_EQ(AllLines(*exact).size(), 1u);
}

TEST(LineSourceTest, GzipMultiMemberAndZstdMultiFrame) {
  std::string a = "first member\nsecond line\n";
  std::string b = "third\n";
  const std::string gz_members = GzipCompress(a) + GzipCompress(b);
  const std::string zst_frames = ZstdCompress(a) + ZstdCompress(b);
  auto gz = FromMemory(gz_members, 1 << 20, 4096);
  EXPECT_EQ(AllLines(*gz), (std::vector<std::string>{"first member", "second line", "third"}));
  EXPECT_TRUE(gz->status().ok());
  auto zst = FromMemory(zst_frames, 1 << 20, 4096);
  EXPECT_EQ(AllLines(*zst), (std::vector<std::string>{"first member", "second line", "third"}));
  EXPECT_TRUE(zst->status().ok());
}

TEST(LineSourceTest, LargeCompressedInputThroughSmallBuffers) {
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "line " + std::to_string(i) + "\n";
  for (const std::string& packed : {GzipCompress(text), ZstdCompress(text)}) {
    auto src = FromMemory(packed, 1 << 20, 1000);
    std::string_view line;
    uint64_t n = 0;
    bool in_order = true;
    while (src->Next(line)) {
      in_order &= line == "line " + std::to_string(n);
      ++n;
    }
    EXPECT_TRUE(src->status().ok()) << src->status().message();
    EXPECT_EQ(n, 200000u);
    EXPECT_TRUE(in_order);
    EXPECT_EQ(src->bytes(), text.size());
  }
}

TEST(LineSourceTest, CorruptAndTruncatedCompressedDataAreErrorsNamingFileAndLine) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "some trace line " + std::to_string(i) + "\n";
  std::string gz = GzipCompress(text);
  std::string zst = ZstdCompress(text);
  for (const std::string& bad : {gz.substr(0, gz.size() / 2), zst.substr(0, zst.size() / 2)}) {
    std::string path = TempPath("truncated");
    WriteFileBytes(path, bad);
    Result<std::unique_ptr<LineSource>> src = OpenLineSource(path, 1 << 20);
    ASSERT_TRUE(src.ok());
    std::vector<std::string> lines = AllLines(**src);
    EXPECT_FALSE((*src)->status().ok());
    EXPECT_NE((*src)->status().message().find(path + ":"), std::string::npos) << (*src)->status().message();
    EXPECT_NE((*src)->status().message().find("truncated"), std::string::npos) << (*src)->status().message();
    EXPECT_LT(lines.size(), 20000u);
    unlink(path.c_str());
  }
  std::string corrupt = gz;
  for (size_t i = 20; i < 60; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  auto src = FromMemory(corrupt, 1 << 20, 4096);
  AllLines(*src);
  EXPECT_FALSE(src->status().ok());
  EXPECT_NE(src->status().message().find("mem:"), std::string::npos) << src->status().message();
  EXPECT_NE(src->status().message().find("gzip"), std::string::npos) << src->status().message();
}

TEST(LineSourceTest, MissingFileIsAnErrorNamingIt) {
  Result<std::unique_ptr<LineSource>> src = OpenLineSource("/nonexistent/trace.txt", 1 << 20);
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.status().message(), "/nonexistent/trace.txt: cannot open: No such file or directory");
}

TEST(LineSourceTest, DirectoryIsAnError) {
  Result<std::unique_ptr<LineSource>> src = OpenLineSource("/tmp", 1 << 20);
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.status().message().rfind("/tmp: ", 0), 0u) << src.status().message();
}

// A 100 MB line must be discarded as it streams, not buffered whole.
TEST(LineSourceTest, HundredMegabyteLineIsSkippedWithBoundedMemory) {
  std::string path = TempPath("huge_line");
  {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0);
    std::string head = "before\n";
    ASSERT_EQ(write(fd, head.data(), head.size()), static_cast<ssize_t>(head.size()));
    std::string block(1 << 20, 'q');
    for (int i = 0; i < 100; ++i) ASSERT_EQ(write(fd, block.data(), block.size()), static_cast<ssize_t>(block.size()));
    std::string tail = "\nafter\n";
    ASSERT_EQ(write(fd, tail.data(), tail.size()), static_cast<ssize_t>(tail.size()));
    close(fd);
  }
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  Result<std::unique_ptr<LineSource>> src = OpenLineSource(path, 1 << 20);
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(AllLines(**src), (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ((*src)->overlong_lines(), 1u);
  EXPECT_EQ((*src)->line_number(), 3u);
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  // ru_maxrss is in KiB; the buffer is a few MiB at most.
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 32 * 1024);
  unlink(path.c_str());
}

}  // namespace
}  // namespace kstarve
