#include "gpubox/state/bench_history.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "gpubox/state/box_store.h"

namespace gpubox {
namespace {

TEST(BenchHistoryTest, KeepsResultsBesideTheBoxesAcrossReopen) {
  auto dir = std::filesystem::temp_directory_path() /
             ("gpubox-bench-history-" + std::to_string(::getpid()));
  std::string path = (dir / "gpubox.db").string();
  {
    auto boxes = BoxStore::Open(path);  // the same database the boxes live in
    ASSERT_TRUE(boxes) << boxes.error().message;
    auto history = BenchHistory::Open(path);
    ASSERT_TRUE(history) << history.error().message;
    BenchRecord record;
    record.time = 1700000000;
    record.box = "t4";
    record.instance_type = "g4dn.xlarge";
    record.price_usd_hr = 0.526;
    record.tflops = 20.5;
    record.precision = "fp16";
    record.samples_per_s = 400;
    record.usd_per_million_samples = 0.365;
    record.json = R"({"a":1})";
    EXPECT_EQ(*(*history)->Add(record), 1);
    record.box = "cpu";
    record.tflops.reset();  // not measured: stays absent
    record.usd_per_million_samples.reset();
    EXPECT_EQ(*(*history)->Add(record), 2);
  }
  auto history = BenchHistory::Open(path);
  ASSERT_TRUE(history);
  auto records = (*history)->List();
  ASSERT_TRUE(records) << records.error().message;
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].box, "t4");
  EXPECT_DOUBLE_EQ(*(*records)[0].tflops, 20.5);
  EXPECT_DOUBLE_EQ(*(*records)[0].usd_per_million_samples, 0.365);
  EXPECT_EQ((*records)[0].json, R"({"a":1})");
  EXPECT_EQ((*records)[1].box, "cpu");
  EXPECT_FALSE((*records)[1].tflops);
  EXPECT_FALSE((*records)[1].usd_per_million_samples);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gpubox
