#include "guard/metrics.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace kstarve::guard {

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  const size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  ++counts_[i];
  ++count_;
  sum_ += value;
}

double Histogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  const double want = q * static_cast<double>(count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    seen += counts_[i];
    if (static_cast<double>(seen) >= want) return bounds_[i];
  }
  return bounds_.empty() ? 0 : bounds_.back();
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
}

Metrics::Metrics()
    : detection_latency(LatencyBuckets()), boost_latency(LatencyBuckets()), apply_latency(LatencyBuckets()) {}

namespace {

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// Label values escape backslash, quote and newline.
std::string Label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void Head(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void Histo(std::string& out, const char* name, const char* help, const Histogram& h) {
  Head(out, name, "histogram", help);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.bounds().size(); ++i) {
    cumulative += h.counts()[i];
    out += std::string(name) + "_bucket{le=\"" + Num(h.bounds()[i]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += std::string(name) + "_bucket{le=\"+Inf\"} " + std::to_string(h.count()) + "\n";
  out += std::string(name) + "_sum " + Num(h.sum()) + "\n";
  out += std::string(name) + "_count " + std::to_string(h.count()) + "\n";
}

}  // namespace

std::string RenderPrometheus(const Metrics& m) {
  std::string out;
  Head(out, "kstarve_guard_threads_matched", "gauge", "Threads a standing rule or an auto step currently holds.");
  out += "kstarve_guard_threads_matched " + std::to_string(m.threads_matched) + "\n";
  Head(out, "kstarve_guard_active_boosts", "gauge", "Temporary boosts in effect now.");
  out += "kstarve_guard_active_boosts " + std::to_string(m.active_boosts) + "\n";
  Head(out, "kstarve_guard_actions_total", "counter", "Changes of scheduling attributes, by action.");
  for (const auto& [action, n] : m.actions) {
    out += "kstarve_guard_actions_total{action=\"" + Label(action) + "\"} " + std::to_string(n) + "\n";
  }
  Head(out, "kstarve_guard_boosts_total", "counter", "Temporary boosts applied.");
  out += "kstarve_guard_boosts_total " + std::to_string(m.boosts) + "\n";
  Head(out, "kstarve_guard_boosts_refused_total", "counter", "Boosts not applied, by reason.");
  for (const auto& [reason, n] : m.boosts_refused) {
    out += "kstarve_guard_boosts_refused_total{reason=\"" + Label(reason) + "\"} " + std::to_string(n) + "\n";
  }
  Head(out, "kstarve_guard_starvation_detected_total", "counter", "Starvation reports, by kind and cause.");
  for (const auto& [key, n] : m.starvation) {
    out += "kstarve_guard_starvation_detected_total{kind=\"" + Label(key.first) + "\",cause=\"" + Label(key.second) +
           "\"} " + std::to_string(n) + "\n";
  }
  Head(out, "kstarve_guard_auto_step", "gauge", "Current --auto escalation step of a class of threads.");
  for (const auto& [cls, step] : m.auto_step) {
    out += "kstarve_guard_auto_step{class=\"" + Label(cls) + "\"} " + std::to_string(step) + "\n";
  }
  Head(out, "kstarve_guard_restores_total", "counter", "Threads restored to their journaled original attributes.");
  out += "kstarve_guard_restores_total " + std::to_string(m.restores) + "\n";
  if (m.detector_cost.available) {
    Head(out, "kstarve_guard_detector_bpf_seconds_total", "counter",
         "Time the detector's BPF programs ran (inside other tasks' scheduler events), by program.");
    for (const ProgramCost& p : m.detector_cost.programs) {
      out += "kstarve_guard_detector_bpf_seconds_total{program=\"" + Label(p.name) + "\"} " +
             Num(static_cast<double>(p.run_time_ns) / 1e9) + "\n";
    }
    Head(out, "kstarve_guard_detector_bpf_runs_total", "counter", "Runs of the detector's BPF programs, by program.");
    for (const ProgramCost& p : m.detector_cost.programs) {
      out +=
          "kstarve_guard_detector_bpf_runs_total{program=\"" + Label(p.name) + "\"} " + std::to_string(p.runs) + "\n";
    }
  }
  Histo(out, "kstarve_guard_detection_latency_seconds", "From the start of a wait to its detection.",
        m.detection_latency);
  Histo(out, "kstarve_guard_boost_latency_seconds", "From the start of a wait to the boost being applied.",
        m.boost_latency);
  Histo(out, "kstarve_guard_apply_latency_seconds", "From a thread's creation to its standing rule being applied.",
        m.apply_latency);
  return out;
}

MetricsServer::~MetricsServer() {
  for (const Client& c : clients_) close(c.fd);
  if (listen_fd_ >= 0) close(listen_fd_);
}

Status MetricsServer::Listen(const std::string& host_port) {
  const size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) {
    return Status::Error("--metrics '" + host_port + "': expected HOST:PORT, for example 127.0.0.1:9477");
  }
  std::string host = host_port.substr(0, colon);
  const std::string port_text = host_port.substr(colon + 1);
  char* end = nullptr;
  const long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535) {
    return Status::Error("--metrics '" + host_port + "': the port must be a number from 0 to 65535");
  }
  if (host == "localhost" || host.empty()) host = "127.0.0.1";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return Status::Error("--metrics '" + host_port + "': '" + host + "' is not an IPv4 address");
  }
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return Status::Error(std::string("metrics socket: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listen_fd_, 16) != 0) {
    const int err = errno;
    close(listen_fd_);
    listen_fd_ = -1;
    return Status::Error("--metrics " + host_port + ": cannot listen: " + std::strerror(err));
  }
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  return Status::Ok();
}

void MetricsServer::AppendPollFds(std::vector<pollfd>& fds) const {
  if (listen_fd_ >= 0) fds.push_back({listen_fd_, POLLIN, 0});
  for (const Client& c : clients_) {
    fds.push_back({c.fd, static_cast<short>(c.out.empty() ? POLLIN : POLLOUT), 0});
  }
}

void MetricsServer::Accept(int64_t now_ns) {
  while (clients_.size() < 32) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    clients_.push_back({fd, now_ns, {}, {}});
  }
}

bool MetricsServer::Service(Client& c, short revents) {
  if ((revents & (POLLERR | POLLHUP | POLLNVAL)) != 0 && (revents & POLLIN) == 0) return false;
  if (c.out.empty() && (revents & POLLIN) != 0) {
    char buf[2048];
    const ssize_t n = read(c.fd, buf, sizeof buf);
    if (n <= 0) return n < 0 && (errno == EAGAIN || errno == EINTR);
    c.in.append(buf, static_cast<size_t>(n));
    if (c.in.size() > 16384) return false;
    if (c.in.find("\r\n\r\n") == std::string::npos && c.in.find("\n\n") == std::string::npos) return true;
    const bool metrics = c.in.rfind("GET /metrics ", 0) == 0 || c.in.rfind("GET / ", 0) == 0;
    const std::string body = metrics ? render_() : "not found: try GET /metrics\n";
    c.out = std::string(metrics ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.0 404 Not Found\r\n") +
            "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\nConnection: close\r\n\r\n" + body;
  }
  if (!c.out.empty()) {
    const ssize_t n = write(c.fd, c.out.data(), c.out.size());
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    c.out.erase(0, static_cast<size_t>(n));
    return !c.out.empty();
  }
  return true;
}

void MetricsServer::HandlePoll(const std::vector<pollfd>& fds, int64_t now_ns) {
  for (const pollfd& p : fds) {
    if (p.fd == listen_fd_ && (p.revents & POLLIN) != 0) Accept(now_ns);
  }
  for (size_t i = 0; i < clients_.size();) {
    Client& c = clients_[i];
    short revents = 0;
    for (const pollfd& p : fds) {
      if (p.fd == c.fd) revents = p.revents;
    }
    bool keep = true;
    if (revents != 0) keep = Service(c, revents);
    // A client that never finishes its request is dropped after a second.
    if (keep && now_ns - c.opened_ns > 1'000'000'000) keep = false;
    if (keep) {
      ++i;
    } else {
      close(c.fd);
      clients_.erase(clients_.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
}

}  // namespace kstarve::guard
