#include "readers/trace_reader.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "readers/ftrace_text_parser.h"
#include "readers/line_source.h"
#include "readers/marker_placer.h"
#include "readers/perf_script_parser.h"
#include "readers/sniff.h"
#include "readers/tracedat/tracedat_reader.h"

namespace kstarve {

std::string_view TraceFormatName(TraceFormat f) {
  switch (f) {
    case TraceFormat::kFtraceText: return "ftrace";
    case TraceFormat::kTraceCmdReport: return "trace-cmd";
    case TraceFormat::kPerfScript: return "perf-script";
    case TraceFormat::kTraceDat: return "trace.dat";
    case TraceFormat::kUnknown: break;
  }
  return "unknown";
}

namespace {

// How many lines decide the format before events flow.
constexpr size_t kSniffLines = 500;

// Turns parsed lines into events and counts; stamps markers with a time.
class Dispatcher {
 public:
  Dispatcher(const std::string& name, EventSink& sink, ReadStats& stats, const ReadOptions& options)
      : name_(name), placer_(sink, stats), stats_(stats), options_(options) {}

  void Handle(const ParsedLine& p, uint64_t line_number) {
    switch (p.kind) {
      case LineKind::kEvent: placer_.OnEvent(p.event); return;
      case LineKind::kNotRecord: ++stats_.skipped_lines; return;
      case LineKind::kOtherEvent:
        ++stats_.other_events;
        any_record_ = true;
        return;
      case LineKind::kMalformed:
        ++stats_.malformed;
        any_record_ = true;
        if (stats_.problems.size() < options_.max_problems) {
          stats_.problems.push_back(name_ + ":" + std::to_string(line_number) + ": " + std::string(p.event_name) +
                                    ": " + p.problem);
        }
        return;
      case LineKind::kMarker:
        // A lost-events marker belongs after the event before it; a buffer
        // start belongs to the first event of that buffer, which follows.
        placer_.OnMarker(p.event);
        return;
    }
  }

  // Markers after the last event take its time; without any event they
  // cannot be placed and count as skipped lines.
  void Finish() { stats_.skipped_lines += placer_.Finish(); }

  bool any_record() const { return any_record_ || placer_.have_ts(); }

 private:
  const std::string& name_;
  MarkerPlacer placer_;
  ReadStats& stats_;
  const ReadOptions& options_;
  bool any_record_ = false;
};

// The first lines, kept while the format is being decided.
class SniffWindow {
 public:
  void Add(std::string_view line, uint64_t number) {
    lines_.push_back({text_.size(), line.size(), number});
    text_.append(line);
  }
  size_t size() const { return lines_.size(); }
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (const Entry& e : lines_) fn(std::string_view(text_).substr(e.offset, e.size), e.number);
  }

 private:
  struct Entry {
    size_t offset;
    size_t size;
    uint64_t number;
  };
  std::string text_;
  std::vector<Entry> lines_;
};

Result<TraceFormat> ReadLines(LineSource& source, StringInterner& strings, EventSink& sink, ReadStats& stats,
                              const ReadOptions& options) {
  auto sniffer = std::make_unique<FormatSniffer>(strings);
  auto ftrace = std::make_unique<FtraceTextParser>(strings);
  auto perf = std::make_unique<PerfScriptParser>(strings);
  Dispatcher dispatch(source.name(), sink, stats, options);
  ParsedLine parsed;
  std::string_view line;

  SniffWindow window;
  while (window.size() < kSniffLines && source.Next(line)) {
    window.Add(line, source.line_number());
    sniffer->Offer(line);
  }
  TraceFormat format = sniffer->Best();
  // Until a record shows up, ftrace's parser stands in: it finds markers,
  // and everything else is skipped whichever parser reads it.
  LineParser* parser = format == TraceFormat::kPerfScript ? static_cast<LineParser*>(perf.get()) : ftrace.get();
  window.ForEach([&](std::string_view l, uint64_t number) {
    parser->Parse(l, parsed);
    dispatch.Handle(parsed, number);
  });
  if (format == TraceFormat::kUnknown) {
    // A trace pasted into the middle of a long mail: keep looking.
    while (source.Next(line)) {
      sniffer->Offer(line);
      format = sniffer->Best();
      if (format == TraceFormat::kPerfScript) parser = perf.get();
      parser->Parse(line, parsed);
      dispatch.Handle(parsed, source.line_number());
      if (format != TraceFormat::kUnknown) break;
    }
  }
  while (source.Next(line)) {
    parser->Parse(line, parsed);
    dispatch.Handle(parsed, source.line_number());
    if (parsed.trace_cmd_hint && format == TraceFormat::kFtraceText) format = TraceFormat::kTraceCmdReport;
    if (options.progress && source.line_number() % ReadOptions::kProgressLines == 0) {
      options.progress(source.name(), source.bytes(), source.line_number());
    }
  }
  dispatch.Finish();

  stats.lines += source.line_number();
  stats.overlong_lines += source.overlong_lines();
  stats.bytes += source.bytes();
  if (!source.status().ok()) return source.status();
  if (source.bytes() == 0) return Status::Error(source.name() + ": empty input");
  if (format == TraceFormat::kUnknown || !dispatch.any_record()) {
    return Status::Error(source.name() +
                         ": no trace records found (expected ftrace text, perf script or trace-cmd report "
                         "output); " +
                         std::to_string(source.line_number()) + " lines read");
  }
  return format;
}

}  // namespace

Result<TraceFormat> ReadTrace(const std::string& path, StringInterner& strings, EventSink& sink, ReadStats& stats,
                              const ReadOptions& options) {
  bool dat = false;
  if (path != "-") {  // a trace.dat file is mapped, not streamed
    Status s = ReadTraceDatFileIfAny(path, &dat, strings, sink, stats, options);
    if (!s.ok()) return s;
    if (dat) return TraceFormat::kTraceDat;
  }
  std::string name = path == "-" ? "<stdin>" : path;
  Result<std::unique_ptr<ByteSource>> raw = OpenFileByteSource(path);
  if (!raw.ok()) return Status::Error(name + ": " + raw.status().message());
  Result<std::unique_ptr<ByteSource>> rest =
      ReadTraceDatFromStream(std::move(*raw), name, &dat, strings, sink, stats, options);
  if (!rest.ok()) return rest.status();
  if (dat) return TraceFormat::kTraceDat;
  LineSource source(std::move(*rest), std::move(name), options.max_line_bytes);
  return ReadLines(source, strings, sink, stats, options);
}

Result<TraceFormat> ReadTraceBuffer(std::string_view data, std::string display_name, StringInterner& strings,
                                    EventSink& sink, ReadStats& stats, const ReadOptions& options) {
  if (LooksLikeTraceDat(data)) {
    Status s = ReadTraceDat(data, display_name, strings, sink, stats, options);
    if (!s.ok()) return s;
    return TraceFormat::kTraceDat;
  }
  bool dat = false;
  Result<std::unique_ptr<ByteSource>> rest =
      ReadTraceDatFromStream(MemoryByteSource(data), display_name, &dat, strings, sink, stats, options);
  if (!rest.ok()) return rest.status();
  if (dat) return TraceFormat::kTraceDat;
  // Small inputs (tests, fuzzing) need no megabyte buffer.
  size_t chunk = std::clamp<size_t>(data.size() + 1, 4096, LineSource::kDefaultChunkBytes);
  LineSource source(std::move(*rest), std::move(display_name), options.max_line_bytes, chunk);
  return ReadLines(source, strings, sink, stats, options);
}

}  // namespace kstarve
