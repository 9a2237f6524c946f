#include "gpubox/catalog/requirements.h"

#include <gtest/gtest.h>

namespace gpubox {
namespace {

const Catalog& C() { return Catalog::Builtin(); }

TEST(GpuSpecTest, ParsesModelAndCountCaseInsensitively) {
  auto spec = ParseGpuSpec("v100:4", C());
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->model, "V100");
  EXPECT_EQ(spec->count, 4);
  auto t4 = ParseGpuSpec("t4", C());
  ASSERT_TRUE(t4);
  EXPECT_EQ(t4->model, "T4");
  EXPECT_FALSE(t4->count);
}

TEST(GpuSpecTest, AnyMatchesEveryModel) {
  auto spec = ParseGpuSpec("ANY", C());
  ASSERT_TRUE(spec);
  EXPECT_TRUE(spec->model.empty());
}

TEST(GpuSpecTest, ModelByTrailingWords) {
  EXPECT_EQ(ParseGpuSpec("K520", C())->model, "GRID K520");
  EXPECT_EQ(ParseGpuSpec("grid k520:4", C())->model, "GRID K520");
  EXPECT_EQ(ParseGpuSpec("rtx-pro-4500", C())->model, "RTX PRO 4500");
  EXPECT_EQ(ParseGpuSpec("T4g", C())->model, "T4g");
}

TEST(GpuSpecTest, RejectsZeroCountJunkAndUnknownModels) {
  for (const char* bad : {"V100:0", "V100:-1", "V100:x", "V100:", ":4", ""}) {
    auto spec = ParseGpuSpec(bad, C());
    ASSERT_FALSE(spec) << bad;
    EXPECT_EQ(spec.error().code, ErrorCode::kUsage) << bad;
  }
  auto unknown = ParseGpuSpec("Q9000", C());
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("Q9000"), std::string::npos);
  EXPECT_NE(unknown.error().hint.find("V100"), std::string::npos);
  EXPECT_NE(unknown.error().hint.find("K80"), std::string::npos);
}

TEST(ValidateTest, RejectsUnknownRegionArchAndNegatives) {
  Requirements requirements;
  requirements.regions = {"us-east-1", "mars-1"};
  auto bad_region = Validate(requirements, C());
  ASSERT_FALSE(bad_region);
  EXPECT_NE(bad_region.error().message.find("mars-1"), std::string::npos);
  requirements.regions = {"us-east-1"};
  EXPECT_TRUE(Validate(requirements, C()));
  requirements.arch = "sparc";
  EXPECT_FALSE(Validate(requirements, C()));
  requirements.arch = "arm64";
  requirements.max_price = -1;
  EXPECT_FALSE(Validate(requirements, C()));
}

TEST(TypeMatchesTest, PreviousGenerationOnlyWhenNamed) {
  const InstanceType& p2 = C().types()[*C().FindType("p2.xlarge")];
  Requirements any;
  EXPECT_FALSE(TypeMatches(p2, any));
  Requirements k80;
  k80.gpu.model = "K80";
  EXPECT_TRUE(TypeMatches(p2, k80));
}

TEST(TypeMatchesTest, CountIsExactAndMinimumsAreInclusive) {
  const InstanceType& p3_8 = C().types()[*C().FindType("p3.8xlarge")];  // 4x V100, 32 vCPU
  Requirements requirements;
  requirements.gpu = {"V100", 4};
  EXPECT_TRUE(TypeMatches(p3_8, requirements));
  requirements.gpu.count = 8;
  EXPECT_FALSE(TypeMatches(p3_8, requirements));
  requirements.gpu.count = 4;
  requirements.vcpus = 32;
  requirements.gpu_mem_gib = 16;
  EXPECT_TRUE(TypeMatches(p3_8, requirements));
  requirements.vcpus = 33;
  EXPECT_FALSE(TypeMatches(p3_8, requirements));
  requirements.vcpus.reset();
  requirements.gpu_mem_gib = 16.5;
  EXPECT_FALSE(TypeMatches(p3_8, requirements));
  requirements.gpu_mem_gib.reset();
  requirements.arch = "arm64";
  EXPECT_FALSE(TypeMatches(p3_8, requirements));
}

}  // namespace
}  // namespace gpubox
