// RealHttpTransport against a cpp-httplib server on 127.0.0.1.

#include "gpubox/sys/real_http_transport.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <set>
#include <thread>

namespace gpubox {
namespace {

class RealHttpTransportTest : public ::testing::Test {
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

TEST_F(RealHttpTransportTest, SendsMethodHeadersAndBodyAndReadsTheResponse) {
  RealHttpTransport transport;
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

TEST_F(RealHttpTransportTest, ReusesTheConnection) {
  RealHttpTransport transport;
  HttpRequest request;
  request.method = "POST";
  request.url = Url("/echo");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(transport.Send(request).has_value());
  EXPECT_EQ(peers_.size(), 1u);  // one client port: one kept-alive connection
}

TEST_F(RealHttpTransportTest, AnErrorStatusIsAValue) {
  RealHttpTransport transport;
  HttpRequest request;
  request.url = Url("/missing");
  auto response = transport.Send(request);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body, "<Response/>");
}

TEST_F(RealHttpTransportTest, TimeoutsAndRefusedConnectionsAreNetworkErrors) {
  RealHttpTransport transport;
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

}  // namespace
}  // namespace gpubox
