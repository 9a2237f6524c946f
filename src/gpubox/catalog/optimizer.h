#pragma once
/// The cost optimizer: the feasible offers for a set of requirements, cheapest
/// first (ties: instance type, then region, then market).

#include <cstddef>
#include <vector>

#include "gpubox/catalog/catalog.h"
#include "gpubox/catalog/requirements.h"

namespace gpubox {

/// Returns pointers into `catalog.offers()`, at most `limit` of them
/// (0 means all). `requirements` must have passed Validate(). One pass over
/// the pre-sorted offers, stopping at the limit or the price cap.
std::vector<const Offer*> FindOffers(const Catalog& catalog, const Requirements& requirements,
                                     size_t limit);

/// The cheapest current-generation offer of `type_name` within the regions and
/// markets of `requirements` (ignoring its GPU and hardware filters), or
/// anywhere when none is there; nullptr when the type has no offer at all.
const Offer* CheapestOfType(const Catalog& catalog, std::string_view type_name,
                            const Requirements& requirements);

}  // namespace gpubox
