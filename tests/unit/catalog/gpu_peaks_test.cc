#include "gpubox/catalog/gpu_peaks.h"

#include <gtest/gtest.h>

#include "gpubox/catalog/catalog.h"

namespace gpubox {
namespace {

TEST(GpuPeaksTest, BuiltinCoversEveryCurrentNvidiaModelOfTheCatalogWithASource) {
  const GpuPeakTable& table = GpuPeakTable::Builtin();
  for (const char* model : {"T4", "A10G", "L4", "L40S", "V100", "A100", "H100", "H200"}) {
    const GpuPeaks* peaks = table.Find(model);
    ASSERT_NE(peaks, nullptr) << model;
    EXPECT_TRUE(peaks->fp32_tflops && peaks->fp16_tflops && peaks->memory_gbps) << model;
    EXPECT_FALSE(peaks->source.empty()) << model;
    // fp16 tensor cores beat fp32 on every one of them.
    EXPECT_GT(*peaks->fp16_tflops, *peaks->fp32_tflops) << model;
  }
  // Every row names a GPU the catalog has.
  std::vector<std::string> models = Catalog::Builtin().GpuModels();
  for (const GpuPeaks& row : table.rows()) {
    EXPECT_NE(std::find(models.begin(), models.end(), row.model), models.end()) << row.model;
  }
}

TEST(GpuPeaksTest, PrecisionsAGpuLacksAreAbsent) {
  const GpuPeaks* t4 = GpuPeakTable::Builtin().Find("T4");
  ASSERT_NE(t4, nullptr);
  EXPECT_DOUBLE_EQ(*t4->TflopsOf("fp16"), 65);
  EXPECT_FALSE(t4->TflopsOf("tf32"));  // Turing has no TF32
  EXPECT_FALSE(t4->TflopsOf("bf16"));
  EXPECT_FALSE(t4->TflopsOf("int8"));
}

TEST(GpuPeaksTest, FindsByTheNameTheDriverReports) {
  const GpuPeakTable& table = GpuPeakTable::Builtin();
  EXPECT_EQ(table.Find("Tesla T4")->model, "T4");
  EXPECT_EQ(table.Find("NVIDIA A10G")->model, "A10G");
  EXPECT_EQ(table.Find("NVIDIA H100 80GB HBM3")->model, "H100");
  EXPECT_EQ(table.Find("NVIDIA A100-SXM4-40GB")->model, "A100");
  EXPECT_EQ(table.Find("nvidia l40s")->model, "L40S");
  EXPECT_EQ(table.Find("CPU"), nullptr);
  EXPECT_EQ(table.Find("NVIDIA T400"), nullptr);  // a word of its own, not a prefix
}

TEST(GpuPeaksTest, ParseNamesTheBadLine) {
  auto short_row = GpuPeakTable::Parse("# comment\nT4\t8.1\t-\n");
  ASSERT_FALSE(short_row);
  EXPECT_NE(short_row.error().message.find("line 2"), std::string::npos);
  auto junk = GpuPeakTable::Parse("X\tfast\t-\t-\t-\t1\t1\tsrc\n");
  ASSERT_FALSE(junk);
  EXPECT_NE(junk.error().message.find("'fast'"), std::string::npos);
}

}  // namespace
}  // namespace gpubox
