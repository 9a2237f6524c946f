#pragma once
/// A cluster (`gpubox up NAME --nodes N`) in the store: node 0 is the box NAME, node i the box
/// NAME-i (BoxRecord::cluster, node, nodes); its placement group is "gpubox-NAME". Commands
/// given NAME act on every node; a node's own box refuses what belongs to the cluster.

#include <string>
#include <vector>

#include "gpubox/state/box_store.h"
#include "gpubox/util/result.h"

namespace gpubox {

/// The most nodes `up --nodes` makes.
inline constexpr int kMaxNodes = 64;

/// "gpubox-NAME".
std::string ClusterPlacementGroup(const std::string& cluster);
/// The box name of node `node` of `cluster`: the cluster's own for node 0, else NAME-i.
std::string NodeName(const std::string& cluster, int node);
/// The boxes of every node of `box`'s cluster, node 0 first (just `box` for a lone box);
/// nodes without a record (an up cut off before it made them, a down that deleted them) are
/// left out.
Result<std::vector<BoxRecord>> ClusterNodes(BoxStore& store, const BoxRecord& box);
/// kUsage, naming the cluster, when `box` is node 1.. of one: `what` ("stop") is the
/// cluster's to do.
Result<void> RefuseClusterNode(const BoxRecord& box, const std::string& what);

}  // namespace gpubox
