#include "readers/tracedat/trace_dat_file.h"

#include <charconv>
#include <set>

#include "readers/tracedat/byte_cursor.h"

namespace kstarve::tracedat {
namespace {

// Option ids of trace-cmd.dat.v7(5) (most exist in v6 files too).
enum OptionId : uint16_t {
  kOptDone = 0,
  kOptBuffer = 3,
  kOptTraceClock = 4,
  kOptOffset = 7,
  kOptTsc2Nsec = 14,
  kOptHeaderInfo = 16,
  kOptFtraceEvents = 17,
  kOptEventFormats = 18,
  kOptKallsyms = 19,
  kOptPrintk = 20,
  kOptCmdlines = 21,
  kOptBufferText = 22,
};

// Section ids are the option ids that point to them; options are 0.
constexpr uint16_t kSectionOptions = 0;
constexpr uint16_t kSectionFlagCompressed = 1;

// A limit that keeps a corrupt count from asking for absurd memory
// (claimed decompressed sizes are checked by DecompressBlock).
constexpr uint32_t kMaxCount = 1u << 20;

// "[local] global counter" -> "local".
std::string SelectedClock(std::string_view text) {
  size_t open = text.find('[');
  size_t close = text.find(']', open);
  if (open == std::string_view::npos || close == std::string_view::npos) {
    size_t end = text.find_first_of(" \n\0", 0);
    return std::string(text.substr(0, end));
  }
  return std::string(text.substr(open + 1, close - open - 1));
}

class Parser {
 public:
  Parser(std::string_view data, const std::string& name, TraceDatFile& out) : data_(data), name_(name), out_(out) {}

  Status Parse() {
    ByteCursor c(data_, 0, false, "file header");
    if (!c.Expect(kMagic, "the trace.dat magic \\x17\\x08\\x44tracing")) return Error(c);
    std::string_view version;
    if (!c.CString(version, "a version string")) return Error(c);
    auto [p, ec] = std::from_chars(version.data(), version.data() + version.size(), out_.version);
    if (ec != std::errc() || p != version.data() + version.size()) {
      return Error(c.offset(), "file header",
                   "a decimal file version, found \"" + std::string(version.substr(0, 16)) + "\"");
    }
    if (out_.version < 6 || out_.version > 7) {
      return Error(
          c.offset(), "file header",
          "file version 6 or 7, found " + std::to_string(out_.version) + " (older trace-cmd formats are not read)");
    }
    std::string_view flags;
    if (!c.Bytes(2, flags, "the endianness and long-size bytes")) return Error(c);
    if (flags[0] != 0 && flags[0] != 1) return Error(c.offset() - 2, "file header", "endianness 0 or 1");
    bool big = flags[0] == 1;
    out_.swap = big != HostIsBigEndian();
    out_.long_size = static_cast<uint8_t>(flags[1]);
    if (out_.long_size != 4 && out_.long_size != 8)
      return Error(c.offset() - 1, "file header", "a long size of 4 or 8");
    c = ByteCursor(data_.substr(c.pos()), c.offset(), out_.swap, "file header");
    if (!c.U32(out_.page_size, "the page size")) return Error(c);
    if (out_.page_size < 64 || out_.page_size > (1u << 24)) {
      return Error(c.offset() - 4, "file header", "a page size between 64 B and 16 MiB");
    }
    return out_.version == 6 ? ParseV6(c) : ParseV7(c);
  }

 private:
  Status Error(const ByteCursor& c) { return Status::Error(name_ + ": " + c.error()); }
  Status Error(uint64_t offset, const std::string& where, const std::string& expected) {
    return Status::Error(name_ + ": offset " + std::to_string(offset) + " (" + where + "): expected " + expected);
  }

  // ---- pieces shared by v6 and v7 ----

  bool HeaderInfo(ByteCursor& c) {
    std::string_view text;
    uint64_t n = 0;
    if (!c.Expect(std::string_view("header_page\0", 12), "\"header_page\"")) return false;
    if (!c.U64(n, "the header_page size") || !c.Bytes(n, text, "the header_page text")) return false;
    std::string err;
    if (!ParsePageHeader(text, out_.page, err)) return c.Fail(err.c_str(), "not found in it");
    if (!c.Expect(std::string_view("header_event\0", 13), "\"header_event\"")) return false;
    if (!c.U64(n, "the header_event size") || !c.Bytes(n, text, "the header_event text")) return false;
    if (text.find("type_len") == std::string_view::npos || text.find("time_delta") == std::string_view::npos) {
      return c.Fail("a header_event with type_len and time_delta", "an unknown ring-buffer layout");
    }
    return true;
  }

  bool FormatList(ByteCursor& c, std::string_view system) {
    uint32_t count = 0;
    if (!c.U32(count, "the number of event formats")) return false;
    if (count > kMaxCount) return c.Fail("a plausible number of event formats", std::to_string(count) + " found");
    for (uint32_t i = 0; i < count; ++i) {
      uint64_t n = 0;
      std::string_view text;
      if (!c.U64(n, "an event format size") || !c.Bytes(n, text, "an event format")) return false;
      EventFormat f;
      std::string err;
      if (!ParseEventFormat(text, system, f, err)) return c.Fail(err.c_str(), "not found in the format text");
      out_.formats.push_back(std::move(f));
    }
    return true;
  }

  bool EventFormats(ByteCursor& c) {
    uint32_t systems = 0;
    if (!c.U32(systems, "the number of event systems")) return false;
    if (systems > kMaxCount) return c.Fail("a plausible number of event systems", std::to_string(systems) + " found");
    for (uint32_t i = 0; i < systems; ++i) {
      std::string_view system;
      if (!c.CString(system, "an event system name") || !FormatList(c, system)) return false;
    }
    return true;
  }

  bool Kallsyms(ByteCursor& c) {
    uint32_t n = 0;
    return c.U32(n, "the kallsyms size") && c.Bytes(n, out_.kallsyms, "the kallsyms text");
  }

  bool Printk(ByteCursor& c) {
    uint32_t n = 0;
    std::string_view unused;
    return c.U32(n, "the printk formats size") && c.Bytes(n, unused, "the printk formats");
  }

  bool Cmdlines(ByteCursor& c) {
    uint64_t n = 0;
    return c.U64(n, "the saved command lines size") && c.Bytes(n, out_.cmdlines, "the saved command lines");
  }

  // One option's data; `v6` options have no DONE offset.
  bool Option(uint16_t id, std::string_view data, uint64_t data_offset, uint64_t& next_options) {
    ByteCursor o(data, data_offset, out_.swap, "option " + std::to_string(id));
    switch (id) {
      case kOptDone:
        if (out_.version >= 7) return o.U64(next_options, "the next options section offset") || Keep(o);
        return true;
      case kOptBuffer: return Buffer(o) || Keep(o);
      case kOptTraceClock: out_.trace_clock = SelectedClock(data); return true;
      case kOptOffset: {
        std::string_view s = data.substr(0, data.find('\0'));
        int64_t v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec == std::errc()) out_.ts_offset = v;
        return true;
      }
      case kOptTsc2Nsec:
        if (!o.U32(out_.tsc_mult, "the TSC multiplier") || !o.U32(out_.tsc_shift, "the TSC shift") ||
            !o.U64(out_.tsc_offset, "the TSC offset")) {
          return Keep(o);
        }
        out_.has_tsc2nsec = out_.tsc_shift < 64;
        return true;
      case kOptHeaderInfo:
      case kOptFtraceEvents:
      case kOptEventFormats:
      case kOptKallsyms:
      case kOptPrintk:
      case kOptCmdlines: {
        uint64_t at = 0;
        if (!o.U64(at, "a section offset")) return Keep(o);
        return SectionAt(at, id);
      }
      case kOptBufferText: saw_latency_ = true; return true;
      default: return true;  // DATE, CPUSTAT, UNAME, ...: nothing kstarve needs
    }
  }

  bool Keep(const ByteCursor& c) {
    if (error_.empty()) error_ = c.error();
    return false;
  }

  bool Buffer(ByteCursor& o) {
    BufferInfo b;
    uint64_t at = 0;
    std::string_view name;
    if (!o.U64(at, "the buffer data offset") || !o.CString(name, "the buffer name")) return false;
    b.name = std::string(name);
    if (out_.version == 6) {
      // v6: the offset points to "flyrecord\0" and the CPUs' (offset, size) pairs.
      if (at >= data_.size()) return o.Fail("a buffer offset inside the file", std::to_string(at) + " found");
      ByteCursor f(data_.substr(at), at, out_.swap, "flyrecord of buffer \"" + b.name + "\"");
      if (!Flyrecord(f, b)) return Keep(f);
      out_.buffers.push_back(std::move(b));
      return true;
    }
    std::string_view clock;
    uint32_t count = 0;
    if (!o.CString(clock, "the buffer trace clock") || !o.U32(b.page_size, "the buffer page size") ||
        !o.U32(count, "the buffer CPU count")) {
      return false;
    }
    b.clock = std::string(clock);
    if (b.page_size < 64 || b.page_size > (1u << 24))
      return o.Fail("a buffer page size between 64 B and 16 MiB", "other");
    if (count > kMaxCount) return o.Fail("a plausible buffer CPU count", std::to_string(count) + " found");
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t cpu = 0;
      CpuData d;
      if (!o.U32(cpu, "a CPU id") || !o.U64(d.offset, "a CPU data offset") || !o.U64(d.size, "a CPU data size")) {
        return false;
      }
      d.cpu = static_cast<int32_t>(cpu & 0x7fffffff);
      b.cpus.push_back(d);
    }
    // The BUFFER FLYRECORD section's header says whether its data is compressed.
    if (count > 0) {
      ByteCursor s(at < data_.size() ? data_.substr(at) : std::string_view(), at, out_.swap,
                   "buffer section of \"" + b.name + "\"");
      uint16_t sid = 0;
      uint16_t flags = 0;
      if (!s.U16(sid, "a section id") || !s.U16(flags, "section flags")) return Keep(s);
      b.compressed = (flags & kSectionFlagCompressed) != 0;
    }
    out_.buffers.push_back(std::move(b));
    return true;
  }

  // "flyrecord\0", then (offset, size) per CPU, then optionally the
  // trace_clock text as a u64 size and the text.
  bool Flyrecord(ByteCursor& f, BufferInfo& b) {
    if (!f.Expect(std::string_view("flyrecord\0", 10), "\"flyrecord\"")) return false;
    b.page_size = out_.page_size;
    for (uint32_t cpu = 0; cpu < cpus_; ++cpu) {
      CpuData d;
      d.cpu = static_cast<int32_t>(cpu);
      if (!f.U64(d.offset, "a CPU data offset") || !f.U64(d.size, "a CPU data size")) return false;
      b.cpus.push_back(d);
    }
    uint64_t n = 0;
    std::string_view clock;
    if (f.remaining() >= 8) {
      ByteCursor peek = f;
      if (peek.U64(n, "a clock size") && n > 0 && n < 4096 && peek.Bytes(n, clock, "the clock")) {
        b.clock = SelectedClock(clock);
      }
    }
    return true;
  }

  // ---- v6 ----

  Status ParseV6(ByteCursor& c) {
    ByteCursor h(data_.substr(c.offset()), c.offset(), out_.swap, "headers");
    if (!HeaderInfo(h)) return Error(h);
    ByteCursor f(data_.substr(h.offset()), h.offset(), out_.swap, "ftrace event formats");
    if (!FormatList(f, "ftrace")) return Error(f);
    ByteCursor e(data_.substr(f.offset()), f.offset(), out_.swap, "event formats");
    if (!EventFormats(e)) return Error(e);
    ByteCursor k(data_.substr(e.offset()), e.offset(), out_.swap, "kallsyms");
    if (!Kallsyms(k)) return Error(k);
    ByteCursor p(data_.substr(k.offset()), k.offset(), out_.swap, "printk formats");
    if (!Printk(p)) return Error(p);
    ByteCursor m(data_.substr(p.offset()), p.offset(), out_.swap, "saved command lines");
    if (!Cmdlines(m)) return Error(m);
    ByteCursor r(data_.substr(m.offset()), m.offset(), out_.swap, "CPU count and options");
    if (!r.U32(cpus_, "the number of CPUs")) return Error(r);
    if (cpus_ > kMaxCount) return Error(r.offset() - 4, "CPU count", "a plausible CPU count");
    std::string_view kind;
    if (!r.Bytes(10, kind, "\"options  \", \"latency  \" or \"flyrecord\"")) return Error(r);
    if (kind == std::string_view("options  \0", 10)) {
      for (;;) {
        uint16_t id = 0;
        if (!r.U16(id, "an option id")) return Error(r);
        if (id == kOptDone) break;
        uint32_t size = 0;
        std::string_view data;
        uint64_t at = r.offset() + 4;
        if (!r.U32(size, "an option size") || !r.Bytes(size, data, "the option data")) return Error(r);
        uint64_t unused = 0;
        if (!Option(id, data, at, unused)) return Status::Error(name_ + ": " + error_);
      }
      if (!r.Bytes(10, kind, "\"latency  \" or \"flyrecord\"")) return Error(r);
    }
    if (kind == std::string_view("latency  \0", 10)) {
      out_.latency_only = out_.buffers.empty();
      return Status::Ok();
    }
    if (kind != std::string_view("flyrecord\0", 10)) {
      return Error(r.offset() - 10, "CPU count and options", "\"options  \", \"latency  \" or \"flyrecord\"");
    }
    BufferInfo top;
    ByteCursor fly(data_.substr(r.offset() - 10), r.offset() - 10, out_.swap, "flyrecord");
    if (!Flyrecord(fly, top)) return Error(fly);
    out_.buffers.insert(out_.buffers.begin(), std::move(top));
    return Status::Ok();
  }

  // ---- v7 ----

  Status ParseV7(ByteCursor& c) {
    std::string_view codec_name;
    std::string_view codec_version;
    uint64_t options = 0;
    if (!c.CString(codec_name, "the compression name") || !c.CString(codec_version, "the compression version") ||
        !c.U64(options, "the first options section offset")) {
      return Error(c);
    }
    if (!CodecFromName(codec_name, out_.codec)) {
      return Error(c.offset() - 8, "file header",
                   "compression none, zstd or zlib, found \"" + std::string(codec_name.substr(0, 32)) + "\"");
    }
    std::set<uint64_t> seen;
    while (options != 0) {
      if (!seen.insert(options).second) return Error(options, "options section", "no loop in the options chain");
      std::string_view content;
      uint64_t content_offset = 0;
      if (!Section(options, kSectionOptions, content, content_offset)) return Status::Error(name_ + ": " + error_);
      ByteCursor o(content, content_offset, out_.swap, "options section at " + std::to_string(options));
      uint64_t next = 0;
      bool done = false;
      while (!done) {
        uint16_t id = 0;
        uint32_t size = 0;
        std::string_view data;
        if (!o.U16(id, "an option id") || !o.U32(size, "an option size")) return Error(o);
        uint64_t at = o.offset();
        if (!o.Bytes(size, data, "the option data")) return Error(o);
        if (!Option(id, data, at, next)) return Status::Error(name_ + ": " + error_);
        done = id == kOptDone;
      }
      options = next;
    }
    if (!have_headers_) return Error(0, "options", "a HEADER_INFO option (the ring-buffer page layout)");
    out_.latency_only = saw_latency_ && out_.buffers.empty();
    return Status::Ok();
  }

  // Reads the section header at `at`, checks its id and hands out its
  // content, decompressed if the section is compressed.
  bool Section(uint64_t at, uint16_t id, std::string_view& content, uint64_t& content_offset) {
    std::string where = "section " + std::to_string(id) + " at " + std::to_string(at);
    if (at >= data_.size()) {
      error_ = "offset " + std::to_string(at) + " (" + where + "): expected a section inside the file of " +
               std::to_string(data_.size()) + " bytes";
      return false;
    }
    ByteCursor s(data_.substr(at), at, out_.swap, where);
    uint16_t sid = 0;
    uint16_t flags = 0;
    uint32_t desc = 0;
    uint64_t size = 0;
    if (!s.U16(sid, "a section id") || !s.U16(flags, "section flags") || !s.U32(desc, "a section description id") ||
        !s.U64(size, "a section size")) {
      return Keep(s);
    }
    if (sid != id) {
      return s.Fail(("section id " + std::to_string(id)).c_str(), "id " + std::to_string(sid) + " found") || Keep(s);
    }
    if ((flags & kSectionFlagCompressed) == 0) {
      content_offset = s.offset();
      if (!s.Bytes(size, content, "the section content")) return Keep(s);
      return true;
    }
    uint32_t csize = 0;
    uint32_t usize = 0;
    std::string_view packed;
    if (!s.U32(csize, "the compressed size") || !s.U32(usize, "the uncompressed size") ||
        !s.Bytes(csize, packed, "the compressed section data")) {
      return Keep(s);
    }
    std::string& out = out_.owned.emplace_back();
    std::string err = DecompressBlock(out_.codec, packed, usize, out);
    if (!err.empty()) return s.Fail("compressed section data", err) || Keep(s);
    content = out;
    content_offset = at;  // offsets inside a decompressed section name its start
    return true;
  }

  bool SectionAt(uint64_t at, uint16_t id) {
    // Each section is read once, however many options name it.
    if (!sections_read_.insert(at).second) return true;
    std::string_view content;
    uint64_t offset = 0;
    if (!Section(at, id, content, offset)) return false;
    std::string where = std::string(id == kOptHeaderInfo     ? "header info"
                                    : id == kOptFtraceEvents ? "ftrace event formats"
                                    : id == kOptEventFormats ? "event formats"
                                    : id == kOptKallsyms     ? "kallsyms"
                                    : id == kOptPrintk       ? "printk formats"
                                                             : "saved command lines") +
                        " section at " + std::to_string(at);
    ByteCursor c(content, offset, out_.swap, where);
    bool ok = true;
    switch (id) {
      case kOptHeaderInfo:
        ok = HeaderInfo(c);
        have_headers_ = ok;
        break;
      case kOptFtraceEvents: ok = FormatList(c, "ftrace"); break;
      case kOptEventFormats: ok = EventFormats(c); break;
      case kOptKallsyms: ok = Kallsyms(c); break;
      case kOptPrintk: ok = Printk(c); break;
      case kOptCmdlines: ok = Cmdlines(c); break;
      default: break;
    }
    return ok || Keep(c);
  }

  std::string_view data_;
  const std::string& name_;
  TraceDatFile& out_;
  uint32_t cpus_ = 0;
  std::set<uint64_t> sections_read_;
  bool have_headers_ = false;
  bool saw_latency_ = false;
  std::string error_;
};

}  // namespace

Result<TraceDatFile> ParseTraceDatFile(std::string_view data, const std::string& name) {
  TraceDatFile file;
  Parser parser(data, name, file);
  Status s = parser.Parse();
  if (!s.ok()) return s;
  return file;
}

}  // namespace kstarve::tracedat
