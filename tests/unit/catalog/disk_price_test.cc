#include "gpubox/catalog/disk_price.h"

#include <gtest/gtest.h>

namespace gpubox {
namespace {

TEST(DiskPriceTest, Gp3PerGibMonthByRegionAndUsEast1ForOthers) {
  EXPECT_DOUBLE_EQ(DiskUsdPerGibMonth("us-east-1"), 0.08);
  EXPECT_DOUBLE_EQ(DiskUsdPerGibMonth("eu-west-1"), 0.088);
  EXPECT_DOUBLE_EQ(DiskUsdPerGibMonth("mars-north-1"), 0.08);
  EXPECT_NEAR(64 * DiskUsdPerGibMonth("us-west-2"), 5.12, 1e-9);  // the book's 64 GiB disk
}

}  // namespace
}  // namespace gpubox
