// Property test: 1,200 random requests (methods, hosts and ports, paths with
// dot segments, reserved and UTF-8 characters, query strings with reserved,
// encoded and repeated parameters, repeated and oddly spaced headers, Date
// and X-Amz-Content-SHA256 headers, bodies, session tokens, times) signed by
// SignRequest byte-identically to botocore's SigV4Auth
// (tests/oracles/sigv4_oracle.py, one python run for the whole batch).

#include <gtest/gtest.h>

#include <random>

#include "gpubox/aws/sigv4.h"
#include "unit/aws/oracle.h"

namespace gpubox::aws {
namespace {

using nlohmann::json;

constexpr int kRequests = 1200;

class Generator {
 public:
  explicit Generator(uint32_t seed) : engine_(seed) {}

  int Int(int low, int high) { return std::uniform_int_distribution<int>(low, high)(engine_); }
  bool Chance(int percent) { return Int(1, 100) <= percent; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Int(0, static_cast<int>(items.size()) - 1)];
  }

  /// Text drawn from pieces: ASCII letters, digits, unreserved, reserved
  /// characters and multi-byte UTF-8.
  std::string Text(int max_pieces, const std::vector<std::string>& extra) {
    static const std::vector<std::string> kPieces = {"a", "Z", "q", "0", "9", "-", "_",
                                                     ".", "~", "é", "ሴ", "😀", "ß", "中"};
    std::string out;
    int pieces = Int(0, max_pieces);
    for (int i = 0; i < pieces; ++i) out += Chance(70) ? Pick(kPieces) : Pick(extra);
    return out;
  }

  /// Percent-encodes like Python's quote(safe='-_.~'), sometimes leaving a
  /// sub-delimiter raw (botocore signs the query exactly as written).
  std::string QueryPart() {
    static const std::vector<std::string> kRaw = {"/", ":", "@", "!", "$", "'",
                                                  "(", ")", "*", "+", ",", ";"};
    std::string text = Text(6, {" ", "&", "=", "%", "?", "#", "/", "+"});
    std::string out = UriEncode(text);
    if (Chance(30)) out += Pick(kRaw);
    return out;
  }

  std::string Path() {
    static const std::vector<std::string> kSegments = {
        ".", "..", "", "a b", "%41", "%2F", "x+y", "!$&'()*,;=:@", "ü", "ሴ", "~user"};
    std::string path;
    int segments = Int(0, 5);
    for (int i = 0; i < segments; ++i) {
      path += "/";
      path += Chance(40) ? Pick(kSegments) : Text(4, {":", "@", "!", "*", "'", "(", ")", "%20"});
    }
    if (Chance(30)) path += "/";
    return path;
  }

  std::string HeaderValue() {
    static const std::vector<std::string> kSpaces = {" ", "  ", "\t", " \t ", ""};
    std::string value = Pick(kSpaces);
    int words = Int(0, 4);
    for (int i = 0; i < words; ++i) {
      value += Pick(std::vector<std::string>{"value", "A,B", "x=y", "\"q  uoted\"", "1.0", "é"});
      value += Pick(kSpaces);
    }
    return value;
  }

  json Request() {
    json request;
    request["method"] = Pick(
        std::vector<std::string>{"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "post", "Get"});
    std::string scheme = Chance(60) ? "https" : "http";
    std::string host = Pick(std::vector<std::string>{
        "example.amazonaws.com", "EC2.us-east-1.AmazonAWS.com", "127.0.0.1", "localhost",
        "servicequotas.eu-west-3.amazonaws.com"});
    std::string port = Pick(std::vector<std::string>{"", "", ":443", ":80", ":8080", ":4566"});
    std::string url = scheme + "://" + host + port + Path();
    if (Chance(60)) {
      std::string query;
      int pairs = Int(1, 5);
      std::string repeated = QueryPart();
      for (int i = 0; i < pairs; ++i) {
        if (!query.empty()) query += "&";
        query += Chance(25) ? repeated : QueryPart();
        if (Chance(85)) query += "=" + QueryPart();
      }
      url += "?" + query;
    }
    request["url"] = url;
    json headers = json::array();
    static const std::vector<std::string> kNames = {
        "Content-Type",    "content-type", "My-Header",    "MY-HEADER",
        "x-amz-meta-Note", "X-Custom",     "User-Agent",   "Expect",
        "X-Amzn-Trace-Id", "Accept",       "X-Amz-Target", "x-amz-date"};
    int header_count = Int(0, 6);
    for (int i = 0; i < header_count; ++i) headers.push_back({Pick(kNames), HeaderValue()});
    if (Chance(20))
      headers.push_back({"Host", Pick(std::vector<std::string>{"custom.example:9000", "a.b"})});
    if (Chance(10)) headers.push_back({"Date", "Mon, 01 Jan 2001 00:00:00 GMT"});
    if (Chance(10)) headers.push_back({"X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"});
    if (Chance(10)) headers.push_back({"Authorization", "stale"});
    if (Chance(10)) headers.push_back({"X-Amz-Security-Token", "stale-token"});
    request["headers"] = headers;
    request["body"] = Chance(50) ? Text(40, {" ", "&", "=", "\n", "{", "\"", "%"}) : "";
    request["region"] =
        Pick(std::vector<std::string>{"us-east-1", "eu-west-3", "ap-southeast-2", "cn-north-1"});
    request["service"] = Pick(std::vector<std::string>{"ec2", "servicequotas", "service", "iam"});
    request["access_key"] = "AKIA" + std::to_string(Int(100000, 999999));
    request["secret_key"] = Text(12, {"/", "+", "="}) + "K";
    request["token"] = Chance(40) ? json(Text(20, {"/", "+", "="}) + "T") : json(nullptr);
    int64_t seconds = std::uniform_int_distribution<int64_t>(946684800, 4070908800)(engine_);
    request["unix"] = seconds;
    request["timestamp"] = FormatAmzDate(seconds);
    return request;
  }

 private:
  std::mt19937 engine_;
};

TEST(SigV4BotocorePropertyTest, RandomRequestsSignIdenticallyToBotocore) {
  Generator generator(20150830);
  json batch = json::array();
  for (int i = 0; i < kRequests; ++i) batch.push_back(generator.Request());
  json expected = testing::RunOracle("sigv4_oracle.py", batch);
  ASSERT_TRUE(expected.is_array()) << expected.dump().substr(0, 2000);
  ASSERT_EQ(expected.size(), static_cast<size_t>(kRequests));

  int mismatches = 0;
  for (int i = 0; i < kRequests && mismatches < 5; ++i) {
    const json& input = batch[i];
    HttpRequest request;
    request.method = input["method"];
    request.url = input["url"];
    request.body = input["body"];
    for (const auto& header : input["headers"]) request.headers.emplace_back(header[0], header[1]);
    Credentials credentials{input["access_key"], input["secret_key"],
                            input["token"].is_null() ? "" : input["token"].get<std::string>(),
                            "test"};
    SignatureParts parts =
        SignRequest(request, credentials, input["region"].get<std::string>(),
                    input["service"].get<std::string>(), input["unix"].get<int64_t>());
    json headers = json::array();
    for (const auto& [name, value] : request.headers) headers.push_back({name, value});
    bool same = parts.canonical_request == expected[i]["canonical_request"] &&
                parts.string_to_sign == expected[i]["string_to_sign"] &&
                headers == expected[i]["headers"];
    if (!same) {
      ++mismatches;
      ADD_FAILURE() << "request " << i << ": " << input.dump() << "\n gpubox canonical:\n"
                    << parts.canonical_request << "\n botocore canonical:\n"
                    << expected[i]["canonical_request"].get<std::string>()
                    << "\n gpubox headers: " << headers.dump()
                    << "\n botocore headers: " << expected[i]["headers"].dump();
    }
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace gpubox::aws
