#include "guard/live/proc_connector.h"

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kstarve::guard {

ProcConnector::~ProcConnector() {
  if (fd_ >= 0) close(fd_);
}

Result<std::unique_ptr<ProcConnector>> ProcConnector::Open() {
  const int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
  if (fd < 0) return Status::Error(std::string("proc connector socket: ") + std::strerror(errno));
  // A big buffer: a burst of forks while the loop is busy must not overflow it.
  const int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) == 0 ||
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = CN_IDX_PROC;
  addr.nl_pid = 0;  // the kernel assigns one
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    close(fd);
    return Status::Error(std::string("proc connector bind: ") + std::strerror(err));
  }
  // cn_msg ends in a flexible array: build the message in a byte buffer.
  alignas(nlmsghdr) char buf[NLMSG_SPACE(sizeof(cn_msg) + sizeof(uint32_t))] = {};
  auto* nl = reinterpret_cast<nlmsghdr*>(buf);
  nl->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof(uint32_t));
  nl->nlmsg_type = NLMSG_DONE;
  nl->nlmsg_pid = static_cast<uint32_t>(getpid());
  auto* cn = static_cast<cn_msg*>(NLMSG_DATA(nl));
  cn->id.idx = CN_IDX_PROC;
  cn->id.val = CN_VAL_PROC;
  cn->len = sizeof(uint32_t);
  const uint32_t op = PROC_CN_MCAST_LISTEN;
  std::memcpy(cn->data, &op, sizeof op);
  if (send(fd, buf, nl->nlmsg_len, 0) < 0) {
    const int err = errno;
    close(fd);
    return Status::Error(std::string("proc connector listen: ") + std::strerror(err));
  }
  return std::unique_ptr<ProcConnector>(new ProcConnector(fd));
}

Status ProcConnector::Drain(const std::function<void(const ProcEvent&)>& on_event) {
  alignas(nlmsghdr) char buf[16384];
  bool lost = false;
  for (;;) {
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        lost = true;
        continue;
      }
      break;  // EAGAIN: drained
    }
    // NLMSG_OK compares the signed length with unsigned header fields.
    auto len = static_cast<unsigned int>(n);
    for (auto* nl = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(nl, len); nl = NLMSG_NEXT(nl, len)) {
      if (nl->nlmsg_type == NLMSG_ERROR || nl->nlmsg_type == NLMSG_NOOP) continue;
      const auto* cn = static_cast<const cn_msg*>(NLMSG_DATA(nl));
      if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC ||
          cn->len < sizeof(proc_event) - sizeof(proc_event::event_data)) {
        continue;
      }
      proc_event ev;
      std::memcpy(&ev, cn->data, std::min<size_t>(cn->len, sizeof ev));
      ProcEvent out;
      out.timestamp_ns = static_cast<int64_t>(ev.timestamp_ns);
      switch (ev.what) {
        case proc_event::PROC_EVENT_FORK:
          out.kind = ProcEvent::Kind::kFork;
          out.pid = ev.event_data.fork.child_pid;
          out.tgid = ev.event_data.fork.child_tgid;
          out.parent_tgid = ev.event_data.fork.parent_tgid;
          break;
        case proc_event::PROC_EVENT_EXEC:
          out.kind = ProcEvent::Kind::kExec;
          out.pid = ev.event_data.exec.process_pid;
          out.tgid = ev.event_data.exec.process_tgid;
          break;
        case proc_event::PROC_EVENT_COMM:
          out.kind = ProcEvent::Kind::kComm;
          out.pid = ev.event_data.comm.process_pid;
          out.tgid = ev.event_data.comm.process_tgid;
          break;
        case proc_event::PROC_EVENT_EXIT:
          out.kind = ProcEvent::Kind::kExit;
          out.pid = ev.event_data.exit.process_pid;
          out.tgid = ev.event_data.exit.process_tgid;
          break;
        default: continue;
      }
      on_event(out);
    }
  }
  if (lost) return Status::Error("proc connector: events were lost (socket buffer overflow)");
  return Status::Ok();
}

}  // namespace kstarve::guard
