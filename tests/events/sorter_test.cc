#include "events/sorter.h"

#include <gtest/gtest.h>

#include <vector>

namespace kstarve {
namespace {

struct Collect : EventSink {
  std::vector<int64_t> ts;
  void OnEvent(const Event& e) override { ts.push_back(e.ts); }
};

Event At(int64_t ts, int cpu = 0) {
  Event e;
  e.ts = ts;
  e.cpu = cpu;
  return e;
}

TEST(SorterTest, InOrderInputComesOutUnchanged) {
  Collect out;
  Sorter s(out, 100);
  for (int64_t t : {1, 2, 2, 5, 9}) s.OnEvent(At(t));
  s.Flush();
  EXPECT_EQ(out.ts, (std::vector<int64_t>{1, 2, 2, 5, 9}));
  EXPECT_EQ(s.reordered(), 0u);
  EXPECT_EQ(s.dropped_late(), 0u);
}

TEST(SorterTest, ReordersWithinTheWindowKeepingInputOrderForTies) {
  Collect out;
  Sorter s(out, 100);
  s.OnEvent(At(10));
  s.OnEvent(At(60));
  Event a = At(50, 0), b = At(50, 1);
  s.OnEvent(a);  // after 60: placed before it
  s.OnEvent(b);
  s.OnEvent(At(40));
  s.Flush();
  EXPECT_EQ(out.ts, (std::vector<int64_t>{10, 40, 50, 50, 60}));
  EXPECT_EQ(s.reordered(), 3u);
  EXPECT_EQ(s.dropped_late(), 0u);
}

TEST(SorterTest, EventsOlderThanWhatLeftAreDroppedAndCounted) {
  Collect out;
  Sorter s(out, 100);
  s.OnEvent(At(1000));
  s.OnEvent(At(1200));
  s.OnEvent(At(1150));  // within the window: placed
  s.OnEvent(At(1500));  // 1000, 1150 and 1200 leave (older than 1400)
  s.OnEvent(At(900));   // older than what left: dropped
  s.Flush();
  EXPECT_EQ(out.ts, (std::vector<int64_t>{1000, 1150, 1200, 1500}));
  EXPECT_EQ(s.reordered(), 1u);
  EXPECT_EQ(s.dropped_late(), 1u);
}

TEST(SorterTest, HoldsAtMostMaxHeldEvents) {
  struct Count : EventSink {
    size_t n = 0;
    void OnEvent(const Event&) override { ++n; }
  } out;
  Sorter s(out, INT64_MAX / 4, 8);  // a window nothing leaves by
  for (int i = 0; i < 100; ++i) s.OnEvent(At(i));
  EXPECT_EQ(out.n, 92u);  // all but 8 left by the size bound
  s.Flush();
  EXPECT_EQ(out.n, 100u);
}

}  // namespace
}  // namespace kstarve
