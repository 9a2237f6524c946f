#include "gpubox/aws/aws_error.h"

#include <array>
#include <nlohmann/json.hpp>

#include "gpubox/aws/query_protocol.h"
#include "gpubox/util/strings.h"

namespace gpubox::aws {
namespace {

// botocore/retries/standard.py, ThrottlingErrorDetector.
constexpr std::array<std::string_view, 14> kThrottlingCodes = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException"};

constexpr std::array<std::string_view, 5> kCredentialCodes = {
    "AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken",
    "UnrecognizedClientException"};

constexpr std::array<std::string_view, 9> kCapacityCodes = {"InsufficientInstanceCapacity",
                                                            "InsufficientHostCapacity",
                                                            "InsufficientCapacity",
                                                            "InstanceLimitExceeded",
                                                            "VcpuLimitExceeded",
                                                            "MaxSpotInstanceCountExceeded",
                                                            "SpotMaxPriceTooLow",
                                                            "InsufficientFreeAddressesInSubnet",
                                                            "Unsupported"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& codes, std::string_view code) {
  for (std::string_view known : codes) {
    if (known == code) return true;
  }
  return false;
}

std::string HeaderValue(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [header, value] : headers) {
    if (EqualsIgnoreCase(header, name)) return value;
  }
  return "";
}

}  // namespace

ErrorCode CategoryForCloudCode(std::string_view cloud_code) {
  if (Contains(kCredentialCodes, cloud_code)) return ErrorCode::kCredentials;
  if (Contains(kCapacityCodes, cloud_code)) return ErrorCode::kNoCapacity;
  if (cloud_code.ends_with(".NotFound") || cloud_code == "NoSuchResourceException") {
    return ErrorCode::kNotFound;
  }
  return ErrorCode::kCloud;
}

bool IsThrottlingCode(std::string_view cloud_code) {
  return Contains(kThrottlingCodes, cloud_code);
}

bool IsTransientCode(std::string_view cloud_code) {
  return cloud_code == "RequestTimeout" || cloud_code == "RequestTimeoutException" ||
         cloud_code == "PriorRequestNotComplete";
}

Error MakeCloudError(std::string cloud_code, std::string message, std::string request_id,
                     int http_status) {
  Error error(CategoryForCloudCode(cloud_code),
              cloud_code + (message.empty() ? "" : ": " + message));
  error.cloud_code = std::move(cloud_code);
  error.request_id = std::move(request_id);
  error.http_status = http_status;
  return error;
}

Error Ec2ErrorFromResponse(const HttpResponse& response) {
  pugi::xml_document document;
  std::string code, message, request_id;
  if (ParseXml(response.body, document, "error")) {
    pugi::xml_node root = document.document_element();
    pugi::xml_node error = root.child("Errors").child("Error");
    code = ChildText(error, "Code");
    message = ChildText(error, "Message");
    request_id = ChildText(root, "RequestID");
    if (request_id.empty()) request_id = ChildText(root, "RequestId");
  }
  if (code.empty()) {
    code = "HTTP" + std::to_string(response.status);
    message = "HTTP status " + std::to_string(response.status) + " without an EC2 error document";
  }
  return MakeCloudError(std::move(code), std::move(message), std::move(request_id),
                        response.status);
}

Error JsonErrorFromResponse(const HttpResponse& response) {
  std::string code, message;
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object()) {
    code = body.value("__type", "");
    // "com.amazonaws.servicequotas#NoSuchResourceException" or "Code:http://..."
    if (size_t colon = code.find(':'); colon != std::string::npos) code.resize(colon);
    if (size_t hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
    message = body.value("message", body.value("Message", ""));
  }
  if (code.empty()) code = HeaderValue(response.headers, "x-amzn-errortype");
  if (size_t colon = code.find(':'); colon != std::string::npos) code.resize(colon);
  if (code.empty()) {
    code = "HTTP" + std::to_string(response.status);
    message = "HTTP status " + std::to_string(response.status) + " without a JSON error";
  }
  return MakeCloudError(std::move(code), std::move(message),
                        HeaderValue(response.headers, "x-amzn-requestid"), response.status);
}

}  // namespace gpubox::aws
