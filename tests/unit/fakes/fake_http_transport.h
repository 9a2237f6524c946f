#pragma once
// A recording HttpTransport: remembers every request sent, answers from a
// queue of scripted results (or a handler), and fails loudly when it runs dry.

#include <deque>
#include <functional>
#include <vector>

#include "gpubox/sys/http_transport.h"

namespace gpubox::testing {

class FakeHttpTransport : public HttpTransport {
 public:
  Result<HttpResponse> Send(const HttpRequest& request) override {
    requests_sent_.push_back(request);
    if (handler_) return handler_(request);
    if (answers_.empty()) {
      return Fail(ErrorCode::kInternal, "FakeHttpTransport: no scripted answer left");
    }
    Result<HttpResponse> answer = answers_.front();
    answers_.pop_front();
    return answer;
  }

  /// Queues a response.
  void Answer(int status, std::string body, HttpHeaders headers = {}) {
    answers_.push_back(HttpResponse{status, std::move(headers), std::move(body)});
  }
  /// Queues a failure to get any response (kNetwork).
  void FailWith(std::string message) {
    answers_.push_back(Fail(ErrorCode::kNetwork, std::move(message)));
  }
  /// Answers every request with `handler` instead of the queue.
  void SetHandler(std::function<Result<HttpResponse>(const HttpRequest&)> handler) {
    handler_ = std::move(handler);
  }
  size_t answers_left() const { return answers_.size(); }

  std::vector<HttpRequest> requests_sent_;

 private:
  std::deque<Result<HttpResponse>> answers_;
  std::function<Result<HttpResponse>(const HttpRequest&)> handler_;
};

}  // namespace gpubox::testing
