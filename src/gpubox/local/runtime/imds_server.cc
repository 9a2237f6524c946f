#include "gpubox/local/runtime/imds_server.h"

#include <fcntl.h>
#include <httplib.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>

#include "gpubox/local/runtime/host_processes.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {

ImdsServer::ImdsServer(std::shared_ptr<ImdsService> service) : service_(std::move(service)) {}

ImdsServer::~ImdsServer() { Stop(); }

Result<void> ImdsServer::Start(const std::string& netns_path) {
  Stop();
  server_ = std::make_unique<httplib::Server>();
  // One worker: IMDS traffic is a few small requests; 20 instances must not
  // cost 20 thread pools.
  server_->new_task_queue = [] { return new httplib::ThreadPool(1); };
  server_->set_keep_alive_max_count(10);
  server_->set_read_timeout(5, 0);
  auto handler = [service = service_](const httplib::Request& request,
                                      httplib::Response& response) {
    ImdsRequest imds_request{request.method, request.path, {}};
    for (const auto& [name, value] : request.headers) {
      imds_request.headers[ToLower(name)] = value;
    }
    ImdsReply reply = service->Handle(imds_request);
    response.status = reply.status;
    std::string content_type = "text/plain";
    for (const auto& [name, value] : reply.headers) {
      if (name == "Content-Type") {
        content_type = value;
      } else {
        response.set_header(name.c_str(), value);
      }
    }
    response.set_content(reply.body, content_type.c_str());
  };
  // Requests without a body are answered before httplib reads one: it would
  // wait for EOF on a PUT without Content-Length, which is how curl sends
  // the documented `curl -X PUT .../latest/api/token`.
  server_->set_pre_routing_handler(
      [handler](const httplib::Request& request, httplib::Response& response) {
        std::string length = request.get_header_value("Content-Length");
        if (request.has_header("Transfer-Encoding") || (!length.empty() && length != "0")) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        handler(request, response);
        return httplib::Server::HandlerResponse::Handled;
      });
  // Every method on every path goes to the service (it answers 404/405 itself).
  server_->Get(".*", handler);
  server_->Put(".*", handler);
  server_->Post(".*", handler);
  server_->Delete(".*", handler);

  std::promise<Result<void>> bound;
  auto bound_future = bound.get_future();
  httplib::Server* server = server_.get();
  thread_ = std::thread([server, netns_path, &bound] {
    if (auto entered = EnterNetns(netns_path); !entered) {
      bound.set_value(Fail(ErrorCode::kEnvironment, "IMDS: " + entered.error().message));
      return;
    }
    if (!server->bind_to_port(kImdsAddress, 80)) {
      bound.set_value(Fail(ErrorCode::kEnvironment, std::string("IMDS cannot bind ") +
                                                        kImdsAddress + ":80 in " + netns_path));
      return;
    }
    bound.set_value({});
    server->listen_after_bind();
  });
  Result<void> result = bound_future.get();
  if (!result) {
    thread_.join();
    server_.reset();
  }
  return result;
}

void ImdsServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace gpubox::local
