#include "guard/detector/wait_state.h"

#include <algorithm>

namespace kstarve::guard {

namespace {
constexpr int32_t kMaxCpus = 8192;  // guards against garbage CPU numbers
}

RunningTask& WaitState::Cpu(int32_t cpu) {
  if (static_cast<size_t>(cpu) >= cpus_.size()) cpus_.resize(static_cast<size_t>(cpu) + 1);
  return cpus_[static_cast<size_t>(cpu)];
}

const RunningTask* WaitState::Running(int32_t cpu) const {
  if (cpu < 0 || static_cast<size_t>(cpu) >= cpus_.size() || !cpus_[static_cast<size_t>(cpu)].known) return nullptr;
  return &cpus_[static_cast<size_t>(cpu)];
}

std::string_view WaitState::WaiterComm(int32_t pid) const {
  auto it = waiting_.find(pid);
  return it == waiting_.end() ? std::string_view() : std::string_view(it->second.comm);
}

void WaitState::StartWait(int32_t pid, int32_t cpu, int64_t ts, std::string_view comm) {
  auto [it, inserted] = waiting_.try_emplace(pid);
  if (!inserted) return;  // a second wakeup does not restart the wait
  it->second.start_ns = ts;
  it->second.cpu = cpu;
  it->second.comm.assign(comm);
}

void WaitState::ForgetRunning(int32_t cpu) {
  RunningTask& c = Cpu(cpu);
  if (c.known && c.pid > 0) {
    auto it = running_on_.find(c.pid);
    if (it != running_on_.end() && it->second == cpu) running_on_.erase(it);
  }
  c.known = false;
}

void WaitState::SwitchIn(int32_t cpu, int64_t ts, int32_t pid, int32_t holder_pid, int32_t holder_prio) {
  if (pid <= 0) return;
  auto on = running_on_.find(pid);
  if (on != running_on_.end() && on->second != cpu) {
    // Its switch-out on the other CPU was not seen: that CPU's holder is unknown.
    RunningTask& other = Cpu(on->second);
    if (other.known && other.pid == pid) other.known = false;
  }
  running_on_[pid] = cpu;
  auto w = waiting_.find(pid);
  if (w == waiting_.end()) return;
  const int64_t d = std::max<int64_t>(0, ts - w->second.start_ns);
  waiting_.erase(w);
  WaitTotals& t = totals_[pid];
  t.sum_wait_ns += d;
  ++t.waits;
  if (d >= t.max_wait_ns) {
    t.max_wait_ns = d;
    t.holder_pid = holder_pid;
    t.holder_prio = holder_prio;
  }
  t.cpu = cpu;
}

void WaitState::OnSwitch(int32_t cpu, int64_t ts, int32_t prev_pid, int32_t prev_prio, bool prev_runnable,
                         std::string_view prev_comm, int32_t next_pid, int32_t next_prio, std::string_view next_comm) {
  if (cpu < 0 || cpu >= kMaxCpus) return;
  OnRecordThread(cpu, ts, prev_pid);
  ForgetRunning(cpu);
  if (prev_pid > 0 && prev_runnable) StartWait(prev_pid, cpu, ts, prev_comm);
  SwitchIn(cpu, ts, next_pid, prev_pid, prev_prio);
  RunningTask& now = Cpu(cpu);
  now.known = true;
  now.pid = next_pid;
  now.prio = next_prio;
  now.comm.assign(next_comm);
}

void WaitState::OnWakeup(int64_t ts, int32_t pid, int32_t target_cpu, std::string_view comm) {
  if (pid <= 0 || target_cpu < 0 || target_cpu >= kMaxCpus) return;
  if (running_on_.count(pid) != 0) return;  // running: nothing to wait for
  auto it = waiting_.find(pid);
  if (it != waiting_.end()) {
    it->second.cpu = target_cpu;
    return;
  }
  StartWait(pid, target_cpu, ts, comm);
}

void WaitState::OnMigrate(int32_t pid, int32_t dest_cpu) {
  if (dest_cpu < 0 || dest_cpu >= kMaxCpus) return;
  auto it = waiting_.find(pid);
  if (it != waiting_.end()) it->second.cpu = dest_cpu;
}

void WaitState::OnRecordThread(int32_t cpu, int64_t ts, int32_t pid) {
  if (cpu < 0 || cpu >= kMaxCpus || pid < 0) return;
  RunningTask& c = Cpu(cpu);
  if (c.known && c.pid == pid) return;
  // Unknown until now, or a switch-in the kernel did not trace: the record
  // header names who runs. The thread it replaces is in an unknown state,
  // so no wait is started for it on a guess.
  const int32_t holder = c.known ? c.pid : -1;
  const int32_t holder_prio = c.known ? c.prio : kUnknownPrio;
  // This kernel often leaves out the idle->task switch. A CPU that was idle
  // runs a thread woken onto it at once, so its wait ends where it began,
  // not at its first record (which can be tens of microseconds later).
  int64_t switched_in = ts;
  if (c.known && c.pid == 0) {
    auto w = waiting_.find(pid);
    if (w != waiting_.end() && w->second.cpu == cpu) switched_in = w->second.start_ns;
  }
  ForgetRunning(cpu);
  SwitchIn(cpu, switched_in, pid, holder, holder_prio);
  RunningTask& now = Cpu(cpu);
  now.known = true;
  now.pid = pid;
  now.prio = kUnknownPrio;
  now.comm.clear();
}

void WaitState::OnLost(int32_t cpu) {
  if (cpu < 0 || cpu >= kMaxCpus) return;
  ForgetRunning(cpu);
  std::erase_if(waiting_, [cpu](const auto& kv) { return kv.second.cpu == cpu; });
}

void WaitState::OpenWaits(std::vector<OpenWait>& out) const {
  for (const auto& [pid, w] : waiting_) out.push_back({pid, w.cpu, w.start_ns});
}

void WaitState::TakeTotals(std::unordered_map<int32_t, WaitTotals>& out) {
  out.clear();
  out.swap(totals_);
}

}  // namespace kstarve::guard
