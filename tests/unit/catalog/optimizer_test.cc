#include "gpubox/catalog/optimizer.h"

#include <gtest/gtest.h>

#include "gpubox/catalog/quota.h"

namespace gpubox {
namespace {

/// A small catalog with known prices, so rankings can be checked by hand.
Catalog SmallCatalog() {
  auto catalog = Catalog::Parse(
      "T\tg4dn.xlarge\tg4dn\tNVIDIA\tT4\t1\t16384\t4\t16384\tx86_64\tcurrent\n"
      "T\tg4dn.2xlarge\tg4dn\tNVIDIA\tT4\t1\t16384\t8\t32768\tx86_64\tcurrent\n"
      "T\tp3.2xlarge\tp3\tNVIDIA\tV100\t1\t16384\t8\t62464\tx86_64\tcurrent\n"
      "T\tp2.xlarge\tp2\tNVIDIA\tK80\t1\t12288\t4\t62464\tx86_64\tprevious\n"
      "N\tp2.xlarge\tretired\tg4dn.xlarge\n"
      "P\tg4dn.xlarge\tus-east-1\t0.526\t0.2\t<5%\n"
      "P\tg4dn.xlarge\teu-west-1\t0.6\t0.2\t5-10%\n"
      "P\tg4dn.2xlarge\tus-east-1\t0.752\t0.2\t<5%\n"
      "P\tp3.2xlarge\tus-east-1\t3.06\t-\t-\n"
      "P\tp2.xlarge\tus-east-1\t0.9\t-\t-\n");
  EXPECT_TRUE(catalog) << catalog.error().message;
  return std::move(*catalog);
}

std::vector<std::string> Describe(const Catalog& catalog, const std::vector<const Offer*>& offers) {
  std::vector<std::string> out;
  for (const Offer* offer : offers) {
    out.push_back(catalog.type(*offer).name + "/" + catalog.region(*offer) + "/" +
                  MarketName(offer->market));
  }
  return out;
}

TEST(OptimizerTest, RanksByPriceThenTypeThenRegion) {
  Catalog catalog = SmallCatalog();
  Requirements any;
  EXPECT_EQ(
      Describe(catalog, FindOffers(catalog, any, 0)),
      (std::vector<std::string>{
          "g4dn.2xlarge/us-east-1/spot", "g4dn.xlarge/eu-west-1/spot", "g4dn.xlarge/us-east-1/spot",
          "g4dn.xlarge/us-east-1/on-demand", "g4dn.xlarge/eu-west-1/on-demand",
          "g4dn.2xlarge/us-east-1/on-demand", "p3.2xlarge/us-east-1/on-demand"}));
}

TEST(OptimizerTest, FiltersMarketRegionPriceAndLimit) {
  Catalog catalog = SmallCatalog();
  Requirements requirements;
  requirements.spot = false;
  requirements.regions = {"us-east-1"};
  requirements.max_price = 0.752;
  EXPECT_EQ(Describe(catalog, FindOffers(catalog, requirements, 0)),
            (std::vector<std::string>{"g4dn.xlarge/us-east-1/on-demand",
                                      "g4dn.2xlarge/us-east-1/on-demand"}));
  EXPECT_EQ(FindOffers(catalog, requirements, 1).size(), 1u);
}

TEST(OptimizerTest, PreviousGenerationAndItsEquivalent) {
  Catalog catalog = SmallCatalog();
  Requirements k80;
  k80.gpu.model = "K80";
  auto offers = FindOffers(catalog, k80, 0);
  ASSERT_EQ(Describe(catalog, offers), (std::vector<std::string>{"p2.xlarge/us-east-1/on-demand"}));
  const Offer* equivalent = CheapestOfType(catalog, "g4dn.xlarge", k80);
  ASSERT_NE(equivalent, nullptr);
  EXPECT_EQ(catalog.region(*equivalent), "eu-west-1");  // cheapest spot, ties by region
  k80.spot = false;
  equivalent = CheapestOfType(catalog, "g4dn.xlarge", k80);
  EXPECT_EQ(equivalent->market, Market::kOnDemand);
  EXPECT_EQ(CheapestOfType(catalog, "nope.large", k80), nullptr);
}

TEST(QuotaTest, FamiliesMapToTheirBuckets) {
  EXPECT_EQ(QuotaFor("g4dn", Market::kOnDemand).code, "L-DB2E81BA");
  EXPECT_EQ(QuotaFor("gr6", Market::kSpot).code, "L-3819A6DF");
  EXPECT_EQ(QuotaFor("p3", Market::kOnDemand).code, "L-417A185B");
  EXPECT_EQ(QuotaFor("p3dn", Market::kSpot).code, "L-7212CCBC");
  EXPECT_EQ(QuotaFor("p4de", Market::kSpot).code, "L-7212CCBC");
  EXPECT_EQ(QuotaFor("p5en", Market::kSpot).code, "L-C4BD4855");
  EXPECT_EQ(QuotaFor("p6-b200", Market::kSpot).code, "L-C4BD4855");
  EXPECT_EQ(QuotaFor("p6-b200", Market::kOnDemand).code, "L-417A185B");
  EXPECT_EQ(QuotaFor("m5", Market::kOnDemand).code, "L-1216C47A");
}

}  // namespace
}  // namespace gpubox
