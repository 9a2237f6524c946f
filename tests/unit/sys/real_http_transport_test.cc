// RealHttpTransport against a cpp-httplib server on 127.0.0.1, both ways it can speak
// http://: its own plain client (the default) and libcurl (the https path).

#include "gpubox/sys/real_http_transport.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstring>
#include <set>
#include <thread>

namespace gpubox {
namespace {

class RealHttpTransportTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    server_.Post("/echo", [this](const httplib::Request& request, httplib::Response& response) {
      peers_.insert(request.remote_port);
      response.status = 201;
      response.set_header("X-Echo-Header", request.get_header_value("X-Amz-Target"));
      response.set_content("got:" + request.body, "text/plain");
    });
    server_.Get("/missing", [](const httplib::Request&, httplib::Response& response) {
      response.status = 404;
      response.set_content("<Response/>", "text/xml");
    });
    server_.Get("/chunked", [](const httplib::Request&, httplib::Response& response) {
      response.set_chunked_content_provider("text/plain",
                                            [](size_t offset, httplib::DataSink& sink) {
                                              for (const char* part : {"one,", "two,", "three"})
                                                sink.write(part, std::strlen(part));
                                              sink.done();
                                              return true;
                                            });
    });
    server_.Get("/host", [](const httplib::Request& request, httplib::Response& response) {
      response.set_content(request.get_header_value("Host"), "text/plain");
    });
    server_.Get("/slow", [](const httplib::Request&, httplib::Response& response) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      response.set_content("late", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::set<int> peers_;
};

TEST_P(RealHttpTransportTest, SendsMethodHeadersAndBodyAndReadsTheResponse) {
  RealHttpTransport transport(GetParam());
  HttpRequest request;
  request.method = "POST";
  request.url = Url("/echo");
  request.headers = {{"X-Amz-Target", "ServiceQuotasV20190624.GetServiceQuota"},
                     {"Content-Type", "application/x-amz-json-1.1"}};
  request.body = "{\"a\":1}";
  auto response = transport.Send(request);
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "got:{\"a\":1}");
  bool echoed = false;
  for (const auto& [name, value] : response->headers) {
    if (name == "x-echo-header") echoed = value == "ServiceQuotasV20190624.GetServiceQuota";
  }
  EXPECT_TRUE(echoed);
}

TEST_P(RealHttpTransportTest, ReusesTheConnection) {
  RealHttpTransport transport(GetParam());
  HttpRequest request;
  request.method = "POST";
  request.url = Url("/echo");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(transport.Send(request).has_value());
  EXPECT_EQ(peers_.size(), 1u);  // one client port: one kept-alive connection
}

TEST_P(RealHttpTransportTest, AnErrorStatusIsAValue) {
  RealHttpTransport transport(GetParam());
  HttpRequest request;
  request.url = Url("/missing");
  auto response = transport.Send(request);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body, "<Response/>");
}

TEST_P(RealHttpTransportTest, TimeoutsAndRefusedConnectionsAreNetworkErrors) {
  RealHttpTransport transport(GetParam());
  HttpRequest slow;
  slow.url = Url("/slow");
  slow.total_timeout_ms = 300;
  auto timed_out = transport.Send(slow);
  ASSERT_FALSE(timed_out.has_value());
  EXPECT_EQ(timed_out.error().code, ErrorCode::kNetwork);
  EXPECT_NE(timed_out.error().message.find("timed out"), std::string::npos);

  HttpRequest refused;
  refused.url = "http://127.0.0.1:1/";
  auto failed = transport.Send(refused);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code, ErrorCode::kNetwork);
}

TEST_P(RealHttpTransportTest, ReadsAChunkedBodyAndSendsTheHostHeader) {
  RealHttpTransport transport(GetParam());
  HttpRequest request;
  request.url = Url("/chunked");
  auto chunked = transport.Send(request);
  ASSERT_TRUE(chunked.has_value()) << chunked.error().message;
  EXPECT_EQ(chunked->body, "one,two,three");
  request.url = Url("/host");
  auto host = transport.Send(request);
  ASSERT_TRUE(host.has_value()) << host.error().message;
  EXPECT_EQ(host->body, "127.0.0.1:" + std::to_string(port_));
}

TEST_P(RealHttpTransportTest, AConnectionTheServerClosedIsReplacedTransparently) {
  server_.set_keep_alive_max_count(1);  // the server closes after every response
  RealHttpTransport transport(GetParam());
  HttpRequest request;
  request.method = "POST";
  request.url = Url("/echo");
  for (int i = 0; i < 3; ++i) {
    request.body = std::to_string(i);
    auto response = transport.Send(request);
    ASSERT_TRUE(response.has_value()) << response.error().message;
    EXPECT_EQ(response->body, "got:" + std::to_string(i));
  }
  EXPECT_EQ(peers_.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(PlainAndCurl, RealHttpTransportTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Curl" : "Plain"; });

}  // namespace
}  // namespace gpubox
