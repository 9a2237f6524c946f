#pragma once
/// Cloud API errors as Result errors: Error.cloud_code carries the API's code
/// ("InsufficientInstanceCapacity"), Error.request_id and Error.http_status
/// are set, and Error.code is the gpubox category callers branch on.

#include <string_view>

#include "gpubox/sys/http_transport.h"
#include "gpubox/util/result.h"

namespace gpubox::aws {

/// gpubox's category for an AWS error code: kCredentials for authentication
/// failures, kNoCapacity for capacity/quota/price refusals, kNotFound for
/// *.NotFound, kCloud otherwise.
ErrorCode CategoryForCloudCode(std::string_view cloud_code);

/// True for the throttling codes of AWS's standard retry mode
/// (RequestLimitExceeded, Throttling, ThrottlingException, ...).
bool IsThrottlingCode(std::string_view cloud_code);

/// True for transient codes retried in standard mode (RequestTimeout, ...).
bool IsTransientCode(std::string_view cloud_code);

/// An Error from an EC2 XML error document
/// (<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/>).
/// A body that is not such a document still gives an Error naming the status.
Error Ec2ErrorFromResponse(const HttpResponse& response);

/// An Error from an awsJson1.1 error ({"__type": "...#Code", "message": ...};
/// request id from the x-amzn-requestid header).
Error JsonErrorFromResponse(const HttpResponse& response);

/// Makes a cloud Error with its fields set.
Error MakeCloudError(std::string cloud_code, std::string message, std::string request_id,
                     int http_status);

}  // namespace gpubox::aws
