// What the guard counts, in Prometheus text exposition format, and a tiny
// HTTP/1.0 server for `GET /metrics` that runs inside the daemon's poll loop
// (non-blocking sockets, no thread of its own).
#pragma once

#include <poll.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "guard/starvation.h"

namespace kstarve::guard {

// Cumulative histogram with fixed upper bounds (seconds).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  const std::vector<double>& bounds() const { return bounds_; }
  const std::vector<uint64_t>& counts() const { return counts_; }  // per bucket, not cumulative
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  // The smallest bucket bound at or below which a share q of observations lies.
  double Quantile(double q) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // one more than bounds_: the +Inf bucket
  uint64_t count_ = 0;
  double sum_ = 0;
};

// Bucket bounds from 100 µs to 10 s, for latencies in seconds.
std::vector<double> LatencyBuckets();

struct Metrics {
  Metrics();
  int64_t threads_matched = 0;  // threads a standing rule or an auto step currently holds
  int64_t active_boosts = 0;
  std::map<std::string, uint64_t> actions;  // by action: apply, reapply, restore, boost, unboost, ...
  uint64_t boosts = 0;
  std::map<std::string, uint64_t> boosts_refused;                      // by reason: budget, already-boosted, ...
  std::map<std::pair<std::string, std::string>, uint64_t> starvation;  // by (kind, cause)
  std::map<std::string, int> auto_step;                                // by class: current escalation step
  uint64_t restores = 0;
  Histogram detection_latency;  // detected - wait start
  Histogram boost_latency;      // boost applied - wait start
  Histogram apply_latency;      // thread creation - standing rule applied
  // The detector's in-kernel programs (BPF): their run time is spent in the
  // scheduler events of other tasks, not in the guard's own CPU time. The
  // daemon refreshes it before each render; rendered only when available.
  DetectorCost detector_cost;
};

std::string RenderPrometheus(const Metrics& m);

// Serves `GET /metrics` (anything else: 404). Connections are read and
// answered without blocking; a client that sends nothing is dropped after a
// second.
class MetricsServer {
 public:
  explicit MetricsServer(std::function<std::string()> render) : render_(std::move(render)) {}
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // "HOST:PORT" (IPv4 address or "localhost"); port 0 picks a free port.
  Status Listen(const std::string& host_port);
  int port() const { return port_; }
  // The daemon polls these fds and hands the results back.
  void AppendPollFds(std::vector<pollfd>& fds) const;
  void HandlePoll(const std::vector<pollfd>& fds, int64_t now_ns);

 private:
  struct Client {
    int fd;
    int64_t opened_ns;
    std::string in, out;
  };
  void Accept(int64_t now_ns);
  // Returns false when the client is done and must be closed.
  bool Service(Client& c, short revents);

  std::function<std::string()> render_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::vector<Client> clients_;
};

}  // namespace kstarve::guard
