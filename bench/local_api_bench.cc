// Requests per second of the local cloud's endpoint: a SigV4-signed EC2 call over
// HTTP keep-alive to an in-process ApiServer (API only, no instance runtime), and
// the service logic alone without HTTP; the same call signed by a granted user's key (looked
// up among kGrantedUsers), and that lookup alone.

#include <benchmark/benchmark.h>
#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "gpubox/aws/query_protocol.h"
#include "gpubox/aws/sigv4.h"
#include "gpubox/local/api_server.h"
#include "gpubox/sys/real_env.h"

namespace gpubox::local {
namespace {

constexpr int kGrantedUsers = 100;

struct LocalCloud {
  LocalCloud() : real_env(nullptr) {
    store = std::move(*Store::Open(":memory:"));
    ec2 = std::make_unique<Ec2Service>(real_env.env(), *store, host, "123456789012");
    (void)ec2->Load();
    quotas = std::make_unique<QuotasService>(*ec2, *store);
    char dir[] = "/tmp/gpubox-bench-XXXXXX";
    access_dir = ::mkdtemp(dir);
    access_path = access_dir + "/access.json";
    access = std::move(*AccessRegistry::Load(real_env.env(), access_path));
    for (int user = 0; user < kGrantedUsers; ++user) {
      Principal principal = *access->Grant("u" + std::to_string(user), "");
      granted = {principal.account_id, principal.access_key_id, principal.secret_access_key};
    }
    server = std::make_unique<ApiServer>(real_env.env(), *ec2, *quotas, account, AdminHooks{},
                                         access.get());
    port = *server->Bind(0);
    thread = std::thread([this] { server->Serve(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ~LocalCloud() {
    server->Stop();
    thread.join();
    std::remove(access_path.c_str());
    std::remove(access_dir.c_str());
  }
  RealEnv real_env;
  LocalAccount account{"123456789012", "AKIABENCHBENCHBENCH0",
                       "benchsecretbenchsecretbenchsecret0000000"};
  LocalAccount granted;  ///< the last granted user's key
  std::string access_dir;
  std::string access_path;
  std::unique_ptr<AccessRegistry> access;
  NullInstanceHost host;
  std::unique_ptr<Store> store;
  std::unique_ptr<Ec2Service> ec2;
  std::unique_ptr<QuotasService> quotas;
  std::unique_ptr<ApiServer> server;
  int port = 0;
  std::thread thread;
};

LocalCloud& Cloud() {
  static LocalCloud* cloud = new LocalCloud();
  return *cloud;
}

void SignedCall(benchmark::State& state, const char* action, bool as_granted_user = false) {
  LocalCloud& cloud = Cloud();
  const LocalAccount& as = as_granted_user ? cloud.granted : cloud.account;
  httplib::Client client("127.0.0.1", cloud.port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  aws::Credentials credentials{as.access_key_id, as.secret_access_key, "", "bench"};
  std::string url = "http://127.0.0.1:" + std::to_string(cloud.port) + "/";
  for (auto _ : state) {
    HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.body = aws::EncodeForm(aws::QueryWriter(action).Take());
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    aws::SignRequest(request, credentials, "us-east-1", "ec2",
                     std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count());
    httplib::Headers headers;
    for (const auto& [name, value] : request.headers) {
      if (name != "Content-Type") headers.emplace(name, value);
    }
    auto response =
        client.Post("/", headers, request.body, "application/x-www-form-urlencoded; charset=utf-8");
    if (!response || response->status != 200) {
      state.SkipWithError("request failed");
      break;
    }
    benchmark::DoNotOptimize(response->body.size());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_HttpDescribeRegions(benchmark::State& state) { SignedCall(state, "DescribeRegions"); }
void BM_HttpDescribeInstances(benchmark::State& state) { SignedCall(state, "DescribeInstances"); }
BENCHMARK(BM_HttpDescribeRegions)->UseRealTime();
BENCHMARK(BM_HttpDescribeInstances)->UseRealTime()->Threads(1)->Threads(4);
void BM_HttpDescribeInstancesAsGrantedUser(benchmark::State& state) {
  SignedCall(state, "DescribeInstances", true);
}
BENCHMARK(BM_HttpDescribeInstancesAsGrantedUser)->UseRealTime()->Threads(1)->Threads(4);

void BM_GrantedKeyLookup(benchmark::State& state) {
  LocalCloud& cloud = Cloud();
  for (auto _ : state)
    benchmark::DoNotOptimize(cloud.access->FindByKey(cloud.granted.access_key_id));
}
BENCHMARK(BM_GrantedKeyLookup);

void BM_ServiceDescribeInstances(benchmark::State& state) {
  LocalCloud& cloud = Cloud();
  Ec2Request request{"DescribeInstances", "us-east-1", "bench", {}};
  for (auto _ : state) benchmark::DoNotOptimize(cloud.ec2->Handle(request).body.size());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ServiceDescribeInstances);

}  // namespace
}  // namespace gpubox::local
