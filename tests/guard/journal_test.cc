// The journal: what is saved and not restored comes back; torn lines from a
// crash are tolerated; other damage is an error naming the line; restores
// skip reused pids.
#include "guard/journal.h"

#include <gtest/gtest.h>

#include <fstream>

#include "fake_host.h"
#include "guard/metrics.h"

namespace kstarve::guard {
namespace {

using testing::FakeHost;
using testing::Nice;
using testing::Rt;
using testing::TempDir;

TEST(JournalTest, OpenEntriesAreSavesWithoutARestore) {
  TempDir dir;
  auto j = std::move(*Journal::Open(dir.path()));
  SchedAttrs orig = Nice(-3);
  orig.affinity = {0, 1};
  ASSERT_TRUE(j->Save({1, 11}, "a", orig).ok());
  ASSERT_TRUE(j->Save({2, 22}, "b\xff", Nice(0)).ok());         // a comm that is not UTF-8
  ASSERT_TRUE(j->Save({1, 11}, "a", Rt(Policy::kRr, 5)).ok());  // a later save keeps the first original
  ASSERT_TRUE(j->Restored({2, 22}).ok());
  Result<std::vector<JournalEntry>> open = ReadOpenEntries(j->path());
  ASSERT_TRUE(open.ok()) << open.status().message();
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].id, (ThreadId{1, 11}));
  EXPECT_EQ((*open)[0].original, orig);
}

TEST(JournalTest, TornLastLineIsIgnoredButDamageElsewhereIsAnError) {
  TempDir dir;
  auto j = std::move(*Journal::Open(dir.path()));
  ASSERT_TRUE(j->Save({1, 11}, "a", Nice(0)).ok());
  { std::ofstream(j->path(), std::ios::app) << R"({"op":"save","pid":2,"sta)"; }
  Result<std::vector<JournalEntry>> open = ReadOpenEntries(j->path());
  ASSERT_TRUE(open.ok()) << open.status().message();
  EXPECT_EQ(open->size(), 1u);
  {
    std::ofstream(j->path(), std::ios::app) << "\n"
                                            << R"({"op":"restored","pid":1,"start_time":11})"
                                            << "\n";
  }
  open = ReadOpenEntries(j->path());
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.status().message().find("journal:2:"), std::string::npos) << open.status().message();
}

TEST(JournalTest, RestoreSkipsGoneAndReusedThreadsAndEmptiesTheJournal) {
  TempDir dir;
  FakeHost host;
  host.Add(1, "kworker/1:1", true, Rt(Policy::kRr, 10), 100);  // changed by a guard that crashed
  host.Add(2, "bash", false, Nice(0), 555);                    // pid 2 reused since
  {
    auto j = std::move(*Journal::Open(dir.path()));
    ASSERT_TRUE(j->Save({1, 100}, "kworker/1:1", Nice(0)).ok());
    ASSERT_TRUE(j->Save({2, 200}, "kworker/0:1", Nice(0)).ok());
    ASSERT_TRUE(j->Save({3, 300}, "gone", Nice(0)).ok());
  }
  Metrics metrics;
  std::vector<std::string> log;
  Result<RestoreSummary> r = RestoreJournal(
      dir.path(), host, [&](LogLevel, std::string_view t) { log.emplace_back(t); }, &metrics);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->restored, 1);
  EXPECT_EQ(r->reused, 1);
  EXPECT_EQ(r->gone, 1);
  EXPECT_EQ(host.threads[1].attrs, Nice(0));
  EXPECT_EQ(host.threads[2].attrs, Nice(0));
  ASSERT_EQ(host.calls.size(), 1u);
  EXPECT_EQ(metrics.restores, 1u);
  EXPECT_TRUE(ReadOpenEntries(dir.path() + "/journal")->empty());
}

TEST(JournalTest, CompactKeepsOnlyOpenEntries) {
  TempDir dir;
  auto j = std::move(*Journal::Open(dir.path()));
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(j->Save({i, 1}, "t", Nice(0)).ok());
    ASSERT_TRUE(j->Restored({i, 1}).ok());
  }
  ASSERT_TRUE(j->Compact({{{7, 1}, "t", Nice(4)}}).ok());
  ASSERT_TRUE(j->Save({8, 1}, "u", Nice(5)).ok());  // appends to the compacted file
  std::vector<JournalEntry> open = *ReadOpenEntries(j->path());
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].original, Nice(4));
  EXPECT_EQ(open[1].id.pid, 8);
  std::ifstream in(j->path());
  int lines = 0;
  for (std::string l; std::getline(in, l);) ++lines;
  EXPECT_EQ(lines, 2);
}

TEST(JournalTest, PidFileNamesALiveGuardOnlyWithItsStartTime) {
  TempDir dir;
  FakeHost host;
  host.Add(900, "kstarve", false, Nice(0), 1234);
  ASSERT_TRUE(WritePidFile(dir.path(), {900, 1234}).ok());
  EXPECT_EQ(LiveGuardPid(dir.path(), host), 900);
  ASSERT_TRUE(WritePidFile(dir.path(), {900, 999}).ok());  // pid reused by another process
  EXPECT_EQ(LiveGuardPid(dir.path(), host), 0);
  RemovePidFile(dir.path());
  EXPECT_EQ(LiveGuardPid(dir.path(), host), 0);
}

}  // namespace
}  // namespace kstarve::guard
