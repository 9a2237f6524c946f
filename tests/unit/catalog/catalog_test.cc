#include "gpubox/catalog/catalog.h"

#include <gtest/gtest.h>

#include <set>

namespace gpubox {
namespace {

TEST(CatalogTest, BuiltinHasTheBooksTableAndEveryCurrentFamily) {
  const Catalog& catalog = Catalog::Builtin();
  std::set<std::string> families;
  for (const InstanceType& type : catalog.types()) families.insert(type.family);
  for (const char* family :
       {"g2", "p2",  "g3",   "p3",   "g4dn", "g5",   "g5g", "g6",  "g6e",  "g6f",    "gr6",
        "g7", "g7e", "g4ad", "p3dn", "p4d",  "p4de", "p5",  "p5e", "p5en", "p6-b200"}) {
    EXPECT_TRUE(families.count(family)) << family;
  }
  auto p2 = catalog.FindType("p2.xlarge");
  ASSERT_TRUE(p2);
  const InstanceType& k80 = catalog.types()[*p2];
  EXPECT_EQ(k80.gpu_model, "K80");
  EXPECT_EQ(k80.generation, Generation::kPrevious);
  EXPECT_EQ(k80.suggestion, "g4dn.xlarge");
  EXPECT_NE(k80.status.find("CUDA"), std::string::npos);
}

TEST(CatalogTest, OffersAreSortedByPriceThenTypeRegionMarket) {
  const Catalog& catalog = Catalog::Builtin();
  const auto& offers = catalog.offers();
  ASSERT_GT(offers.size(), 1000u);
  for (size_t offer_idx = 1; offer_idx < offers.size(); ++offer_idx) {
    const Offer& a = offers[offer_idx - 1];
    const Offer& b = offers[offer_idx];
    auto key = [&](const Offer& o) {
      return std::make_tuple(o.price_usd_hr, catalog.type(o).name, catalog.region(o), o.market);
    };
    ASSERT_LE(key(a), key(b)) << offer_idx;
  }
}

TEST(CatalogTest, SpotOffersCarryTheirInterruptionBucket) {
  const Catalog& catalog = Catalog::Builtin();
  auto type_idx = catalog.FindType("p3.16xlarge");
  ASSERT_TRUE(type_idx);
  int spot_offers = 0;
  for (const Offer& offer : catalog.offers()) {
    if (offer.type_idx != *type_idx || offer.market != Market::kSpot) continue;
    ++spot_offers;
    EXPECT_EQ(catalog.interruption(offer), ">20%");
  }
  EXPECT_GT(spot_offers, 5);
}

TEST(CatalogTest, ParseRejectsBadLinesNamingTheLine) {
  auto bad = Catalog::Parse("T\tx\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("line 1"), std::string::npos);
  auto unknown = Catalog::Parse("P\tnope.xlarge\tus-east-1\t1\t-\t-\n");
  ASSERT_FALSE(unknown);
  auto price = Catalog::Parse(
      "T\ta.b\ta\tNVIDIA\tT4\t1\t16384\t4\t16384\tx86_64\tcurrent\n"
      "P\ta.b\tus-east-1\tfree\t-\t-\n");
  ASSERT_FALSE(price);
  EXPECT_NE(price.error().message.find("line 2"), std::string::npos);
}

}  // namespace
}  // namespace gpubox
