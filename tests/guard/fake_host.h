// A Host for the engine tests: threads in a map, a clock the test moves,
// and a record of every SetAttrs call.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "analysis/task_class.h"
#include "guard/host.h"

namespace kstarve::guard::testing {

class FakeHost : public Host {
 public:
  struct Call {
    ThreadId id;
    SchedAttrs attrs;
  };

  ThreadInfo& Add(int32_t pid, const std::string& comm, bool kernel, SchedAttrs attrs = {}, uint64_t start = 100) {
    ThreadInfo t;
    t.id = {pid, start};
    t.tgid = kernel ? pid : (pid / 100) * 100;  // user threads: tgid = pid rounded down
    t.comm = comm;
    t.process = comm;
    t.kernel_thread = kernel;
    if (kernel) {
      t.bound_cpu = BoundCpuFromComm(comm);
      if (comm.rfind("kworker/", 0) == 0) t.workqueue = std::string(KworkerSuffix(comm));
    }
    t.attrs = attrs;
    return threads[pid] = t;
  }

  std::vector<ThreadInfo> ListThreads() override {
    std::vector<ThreadInfo> out;
    for (const auto& [pid, t] : threads) out.push_back(t);
    return out;
  }
  Result<ThreadInfo> ReadThread(int32_t pid) override {
    auto it = threads.find(pid);
    if (it == threads.end()) return Status::Error("pid " + std::to_string(pid) + " is gone");
    return it->second;
  }
  Status SetAttrs(const ThreadId& id, const SchedAttrs& attrs) override {
    if (before_set) before_set(id, attrs);
    auto it = threads.find(id.pid);
    if (it == threads.end() || it->second.id.start_time != id.start_time) return Status::Error("gone");
    if (attrs.policy == Policy::kDeadline && refuse_deadline) return Status::Error("EPERM");
    calls.push_back({id, attrs});
    std::vector<int> affinity = attrs.affinity.empty() ? it->second.attrs.affinity : attrs.affinity;
    it->second.attrs = attrs;
    it->second.attrs.affinity = affinity;
    return Status::Ok();
  }
  int64_t NowNs() override { return now; }

  std::map<int32_t, ThreadInfo> threads;
  std::vector<Call> calls;
  int64_t now = 1'000'000'000;
  bool refuse_deadline = false;
  std::function<void(const ThreadId&, const SchedAttrs&)> before_set;
};

inline SchedAttrs Nice(int n) {
  SchedAttrs a;
  a.nice = n;
  return a;
}
inline SchedAttrs Rt(Policy p, int prio) {
  SchedAttrs a;
  a.policy = p;
  a.rt_priority = prio;
  return a;
}

// A fresh directory under /tmp, removed with its files at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace kstarve::guard::testing
