// The whole report on a trace.dat equals the report on the `trace-cmd
// report -t` text of the same file (tests/readers/data/tracedat/README.md).
#include <gtest/gtest.h>

#include <string>

#include "report_json.h"

namespace kstarve {
namespace {

using nlohmann::json;

std::string TraceDatData(const std::string& name) {
  return testing::SourceDir() + "/tests/readers/data/tracedat/" + name;
}

// Everything but what names the input and the text readers' line counts.
json WithoutInput(json j) {
  for (const char* key : {"format", "inputs", "lines", "skipped_lines", "notes"}) j["trace"].erase(key);
  return j;
}

TEST(TraceDatReportTest, SameReportAsTraceCmdReportText) {
  json dat = testing::ReportJson(TraceDatData("small.v7.dat.zst"));
  json text = testing::ReportJson(TraceDatData("small.report.txt.zst"));
  EXPECT_EQ(dat["trace"]["format"], "trace.dat");
  EXPECT_EQ(text["trace"]["format"], "trace-cmd");
  ASSERT_GT(dat["trace"]["events"].get<int>(), 10000);
  ASSERT_FALSE(dat["tasks"].empty());
  EXPECT_EQ(WithoutInput(dat), WithoutInput(text));
  // What the reader found out about the file reaches the report.
  ASSERT_EQ(dat["trace"]["notes"].size(), 1u) << dat["trace"]["notes"];
  EXPECT_NE(dat["trace"]["notes"][0].get<std::string>().find("trace.dat version 7"), std::string::npos);
  EXPECT_TRUE(text["trace"]["notes"].empty());
}

// The overflowed recording: its lost events reach the report's count.
TEST(TraceDatReportTest, LostEventsAreCounted) {
  json j = testing::ReportJson(TraceDatData("lost.v7-zstd.dat"));
  EXPECT_GT(j["trace"]["lost_events"].get<int>(), 0);
}

}  // namespace
}  // namespace kstarve
