// Prometheus text and the HTTP server, over a real socket.
#include "guard/metrics.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>

namespace kstarve::guard {
namespace {

TEST(MetricsTest, TextHasEveryFamilyWithLabelsAndCumulativeBuckets) {
  Metrics m;
  m.threads_matched = 3;
  m.actions["apply"] = 2;
  m.boosts = 5;
  m.boosts_refused["budget"] = 1;
  m.starvation[{"long-wait", "rt-preemption"}] = 4;
  m.restores = 6;
  m.detection_latency.Observe(0.004);
  m.detection_latency.Observe(0.015);
  m.detection_latency.Observe(20);
  const std::string text = RenderPrometheus(m);
  EXPECT_NE(text.find("kstarve_guard_threads_matched 3\n"), std::string::npos);
  EXPECT_NE(text.find("kstarve_guard_actions_total{action=\"apply\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("kstarve_guard_boosts_total 5\n"), std::string::npos);
  EXPECT_NE(text.find("kstarve_guard_boosts_refused_total{reason=\"budget\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("kstarve_guard_starvation_detected_total{kind=\"long-wait\",cause=\"rt-preemption\"} 4\n"),
            std::string::npos);
  EXPECT_NE(text.find("kstarve_guard_restores_total 6\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE kstarve_guard_detection_latency_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("kstarve_guard_detection_latency_seconds_bucket{le=\"0.005\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("kstarve_guard_detection_latency_seconds_bucket{le=\"0.02\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("kstarve_guard_detection_latency_seconds_bucket{le=\"10\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("kstarve_guard_detection_latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("kstarve_guard_detection_latency_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("kstarve_guard_apply_latency_seconds_count 0\n"), std::string::npos);
}

TEST(MetricsTest, DetectorBpfCostOnlyWhenTheKernelCountsIt) {
  Metrics m;
  EXPECT_EQ(RenderPrometheus(m).find("kstarve_guard_detector_bpf"), std::string::npos);
  m.detector_cost.note = "BPF run-time statistics unavailable";
  EXPECT_EQ(RenderPrometheus(m).find("kstarve_guard_detector_bpf"), std::string::npos);
  m.detector_cost.available = true;
  m.detector_cost.programs = {{"ks_switch", 1'500'000'000, 7}, {"ks_waking", 250'000'000, 3}};
  const std::string text = RenderPrometheus(m);
  EXPECT_NE(text.find("# TYPE kstarve_guard_detector_bpf_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("kstarve_guard_detector_bpf_seconds_total{program=\"ks_switch\"} 1.5\n"), std::string::npos);
  EXPECT_NE(text.find("kstarve_guard_detector_bpf_seconds_total{program=\"ks_waking\"} 0.25\n"), std::string::npos);
  EXPECT_NE(text.find("kstarve_guard_detector_bpf_runs_total{program=\"ks_switch\"} 7\n"), std::string::npos);
  EXPECT_EQ(m.detector_cost.run_time_ns(), 1'750'000'000u);
  EXPECT_EQ(m.detector_cost.runs(), 10u);
}

TEST(MetricsTest, HistogramQuantileIsABucketBound) {
  Histogram h({0.001, 0.01, 0.1});
  for (int i = 0; i < 98; ++i) h.Observe(0.0005);
  h.Observe(0.05);
  h.Observe(0.05);
  EXPECT_EQ(h.Quantile(0.5), 0.001);
  EXPECT_EQ(h.Quantile(0.99), 0.1);
}

// GET over a real TCP connection while the server is serviced in a poll loop.
std::string Fetch(MetricsServer& server, const std::string& request) {
  auto client = std::async(std::launch::async, [&] {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(server.port()));
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    std::string reply;
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      (void)!write(fd, request.data(), request.size());
      char buf[4096];
      for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) reply.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    return reply;
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (client.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline) {
    std::vector<pollfd> fds;
    server.AppendPollFds(fds);
    poll(fds.data(), fds.size(), 10);
    server.HandlePoll(fds, 0);
  }
  return client.get();
}

TEST(MetricsTest, ServesMetricsOverHttpAnd404Otherwise) {
  Metrics m;
  m.boosts = 7;
  MetricsServer server([&m] { return RenderPrometheus(m); });
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  ASSERT_GT(server.port(), 0);
  const std::string ok = Fetch(server, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << ok;
  EXPECT_NE(ok.find("\r\n\r\n# HELP kstarve_guard_threads_matched"), std::string::npos);
  EXPECT_NE(ok.find("kstarve_guard_boosts_total 7\n"), std::string::npos);
  m.boosts = 8;  // rendered per request
  EXPECT_NE(Fetch(server, "GET /metrics HTTP/1.0\r\n\r\n").find("kstarve_guard_boosts_total 8\n"), std::string::npos);
  EXPECT_EQ(Fetch(server, "GET /other HTTP/1.0\r\n\r\n").rfind("HTTP/1.0 404", 0), 0u);
}

TEST(MetricsTest, BadListenAddressesAreClearErrors) {
  MetricsServer server([] { return std::string(); });
  EXPECT_NE(server.Listen("9477").message().find("HOST:PORT"), std::string::npos);
  EXPECT_NE(server.Listen("127.0.0.1:99999").message().find("port"), std::string::npos);
  EXPECT_NE(server.Listen("example.org:80").message().find("IPv4"), std::string::npos);
}

}  // namespace
}  // namespace kstarve::guard
