#include "gpubox/box/box_events.h"

#include <gtest/gtest.h>

namespace gpubox {
namespace {

TEST(BoxEventsTest, ParsesTheAgentsLinesWithTheirOtherFieldsInOrder) {
  auto events = ParseBoxEvents(
      R"({"t": "2026-12-02T10:00:00Z", "ts": 1796205600.25, "kind": "spot-notice", "action": "stop", "time": "2026-12-02T10:02:00Z"})"
      "\n"
      R"({"t": "2026-12-02T10:00:01Z", "ts": 1796205601.5, "kind": "jobs-signalled", "jobs": ["a", "b"], "after_s": 0.412})"
      "\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].time_us, 1796205600250000);
  EXPECT_EQ(events[0].kind, "spot-notice");
  EXPECT_EQ(events[0].message, "action=stop time=2026-12-02T10:02:00Z");
  EXPECT_EQ(events[1].kind, "jobs-signalled");
  EXPECT_EQ(events[1].message, "jobs=a,b after_s=0.412");
}

TEST(BoxEventsTest, SkipsTornAndForeignLines) {
  auto events = ParseBoxEvents(
      "not json\n"
      "[1, 2]\n"
      R"({"ts": "soon", "kind": "boot"})"
      "\n"
      R"({"ts": 5, "kind": 7})"
      "\n"
      R"({"ts": 7, "kind": "boot", "uptime_s": 3})"
      "\n"
      R"({"ts": 8, "kind": "job-rest)");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].time_us, 7'000'000);
  EXPECT_EQ(events[0].message, "uptime_s=3");
}

}  // namespace
}  // namespace gpubox
