#include "capture/raw_capture.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kstarve {
namespace {

// Pages are collected in memory and written 1 MiB at a time: few, large
// writes keep the recorder's cost off the traced workload.
constexpr size_t kWriteChunk = 1 << 20;

}  // namespace

Result<std::unique_ptr<RawCapture>> RawCapture::Open(ks_instance* instance, int cpus, const std::string& output) {
  std::unique_ptr<RawCapture> c(new RawCapture());
  c->parser_ = ks_page_parser_new();
  if (c->parser_ == nullptr) return Status::Error("out of memory for the page parser");
  c->type_counts_.assign(65536, 0);
  for (int cpu = 0; cpu < cpus; ++cpu) {
    ks_cpu* r = ks_cpu_open(instance, cpu);
    if (r == nullptr) {
      return Status::Error("cannot open per_cpu/cpu" + std::to_string(cpu) +
                           "/trace_pipe_raw: " + std::strerror(errno));
    }
    c->readers_.push_back(r);
    const size_t size = static_cast<size_t>(ks_cpu_page_size(r));
    if (c->page_size_ == 0) c->page_size_ = size;
    std::string path = output + ".cpu" + std::to_string(cpu) + ".XXXXXX";
    const int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) return Status::Error(path + ": cannot create a temporary file: " + std::strerror(errno));
    c->fds_.push_back(fd);
    c->paths_.push_back(path);
  }
  if (c->page_size_ == 0 || c->page_size_ > kWriteChunk) {
    return Status::Error("unexpected ring-buffer page size " + std::to_string(c->page_size_));
  }
  c->page_.resize(c->page_size_);
  c->buffers_.assign(c->readers_.size(), std::vector<char>(kWriteChunk));
  c->used_.assign(c->readers_.size(), 0);
  c->stats_.assign(c->readers_.size(), CpuCaptureStats{});
  return c;
}

RawCapture::~RawCapture() {
  for (ks_cpu* r : readers_) ks_cpu_close(r);
  for (int fd : fds_) ::close(fd);
  for (const std::string& p : paths_) ::unlink(p.c_str());
  ks_page_parser_free(parser_);
}

Status RawCapture::FlushBuffer(size_t cpu) {
  const char* p = buffers_[cpu].data();
  size_t left = used_[cpu];
  while (left > 0) {
    const ssize_t n = ::write(fds_[cpu], p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Error(paths_[cpu] + ": write failed: " + std::strerror(errno));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  used_[cpu] = 0;
  return Status::Ok();
}

Status RawCapture::ReadCpu(size_t cpu, bool flush) {
  for (;;) {
    std::vector<char>& buf = buffers_[cpu];
    if (used_[cpu] + page_size_ > buf.size()) {
      if (Status s = FlushBuffer(cpu); !s.ok()) return s;
    }
    char* page = buf.data() + used_[cpu];
    const int n = flush ? ks_cpu_flush(readers_[cpu], page) : ks_cpu_read(readers_[cpu], page);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Error("reading per_cpu/cpu" + std::to_string(cpu) + "/trace_pipe_raw: " + std::strerror(errno));
    }
    if (n == 0) return Status::Ok();
    // trace.dat wants whole pages: pad a short read.
    if (static_cast<size_t>(n) < page_size_) std::memset(page + n, 0, page_size_ - static_cast<size_t>(n));
    int64_t missed = 0;
    CpuCaptureStats& st = stats_[cpu];
    st.records += static_cast<uint64_t>(ks_page_count(parser_, page, type_counts_.data(), &missed));
    if (missed != 0) {
      ++st.pages_with_missed;
      if (missed > 0) st.missed_events += static_cast<uint64_t>(missed);
    }
    ++st.pages;
    st.bytes += page_size_;
    used_[cpu] += page_size_;
  }
}

Status RawCapture::Poll() {
  for (size_t cpu = 0; cpu < readers_.size(); ++cpu) {
    if (Status s = ReadCpu(cpu, false); !s.ok()) return s;
  }
  return Status::Ok();
}

Status RawCapture::Drain() {
  for (size_t cpu = 0; cpu < readers_.size(); ++cpu) {
    if (Status s = ReadCpu(cpu, true); !s.ok()) return s;
    if (Status s = FlushBuffer(cpu); !s.ok()) return s;
    ks_cpu_close(readers_[cpu]);
    readers_[cpu] = nullptr;
  }
  readers_.clear();
  return Status::Ok();
}

uint64_t RawCapture::total_bytes() const {
  uint64_t n = 0;
  for (const CpuCaptureStats& s : stats_) n += s.bytes;
  return n;
}

uint64_t RawCapture::total_records() const {
  uint64_t n = 0;
  for (const CpuCaptureStats& s : stats_) n += s.records;
  return n;
}

uint64_t RawCapture::total_missed() const {
  uint64_t n = 0;
  for (const CpuCaptureStats& s : stats_) n += s.missed_events;
  return n;
}

uint64_t RawCapture::records_of_type(int type) const {
  return type >= 0 && type < static_cast<int>(type_counts_.size()) ? type_counts_[static_cast<size_t>(type)] : 0;
}

}  // namespace kstarve
