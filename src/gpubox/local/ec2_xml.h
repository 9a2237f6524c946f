#pragma once
/// Writes the EC2 model types (aws/model.h) as EC2's XML: lowerCamel element
/// names, lists as <xxxSet><item>, the wire names botocore's model gives
/// (PublicIpAddress is <ipAddress>, SecurityGroups is <groupSet>, ...).

#include "gpubox/aws/model.h"
#include "gpubox/local/ec2_request.h"
#include "gpubox/local/xml_writer.h"

namespace gpubox::local {

/// A response document: <ActionResponse xmlns=...><requestId>..</requestId>.
XmlWriter StartResponse(std::string_view action, std::string_view request_id);

/// <return>true</return> (and one more element when `extra_name` is set).
Ec2Reply ReturnTrue(std::string_view action, const Ec2Request& request,
                    std::string_view extra_name = "", std::string_view extra_value = "");

void WriteTags(XmlWriter& xml, const std::vector<aws::Tag>& tags);
void WriteState(XmlWriter& xml, std::string_view element, const aws::InstanceState& state);
void WriteInstance(XmlWriter& xml, const aws::Instance& instance);
/// The reservation's members (reservationId, ownerId, groupSet, instancesSet)
/// into the open element.
void WriteReservationBody(XmlWriter& xml, const aws::Reservation& reservation);
void WriteImage(XmlWriter& xml, const aws::Image& image);
void WriteKeyPair(XmlWriter& xml, const aws::KeyPair& key_pair);
void WritePlacementGroup(XmlWriter& xml, const aws::PlacementGroup& group);
void WriteSecurityGroup(XmlWriter& xml, const aws::SecurityGroup& group);
void WriteInstanceTypeInfo(XmlWriter& xml, const aws::InstanceTypeInfo& info);
void WriteSpotPrice(XmlWriter& xml, const aws::SpotPrice& price);
void WriteStateChange(XmlWriter& xml, const aws::InstanceStateChange& change);
void WriteInstanceStatus(XmlWriter& xml, const aws::InstanceStatus& status);
void WriteVolume(XmlWriter& xml, const aws::Volume& volume);
void WriteSnapshot(XmlWriter& xml, const aws::Snapshot& snapshot);

}  // namespace gpubox::local
