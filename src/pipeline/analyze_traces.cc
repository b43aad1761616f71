#include "pipeline/analyze_traces.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <unordered_set>

#include "analysis/analyzer.h"
#include "context/snapshot.h"
#include "events/sorter.h"
#include "report/perfetto_export.h"

namespace kstarve {

namespace {

// One pass over every input into `sink` (through a Sorter).
Status ReadAll(const AnalyzeRequest& req, StringInterner& strings, EventSink& sink, TraceSummary* summary) {
  Sorter sorter(sink);
  for (const std::string& path : req.inputs) {
    ReadStats st;
    Result<TraceFormat> format = ReadTrace(path, strings, sorter, st, req.read);
    if (!format.ok()) return format.status();
    if (summary == nullptr) continue;
    std::string name(TraceFormatName(*format));
    if (summary->format.empty()) {
      summary->format = name;
    } else if (summary->format != name) {
      summary->format = "mixed";
    }
    summary->inputs.push_back(path);
    summary->lines += st.lines;
    summary->skipped_lines += st.skipped_lines;
    summary->other_events += st.other_events;
    summary->malformed += st.malformed;
    summary->overlong_lines += st.overlong_lines;
    for (std::string& p : st.problems) {
      if (summary->problems.size() < req.read.max_problems) summary->problems.push_back(std::move(p));
    }
    for (std::string& n : st.notes) summary->notes.push_back(std::move(n));
  }
  sorter.Flush();
  if (summary != nullptr) {
    summary->reordered = sorter.reordered();
    summary->dropped_late = sorter.dropped_late();
  }
  return Status::Ok();
}

// Standard input can be read once; the Perfetto export reads twice.
Result<std::string> SpoolStdin() {
  char path[] = "/tmp/kstarve-stdin-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return Status::Error("cannot create a temporary file for standard input");
  char buf[1 << 16];
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0) {
    if (write(fd, buf, static_cast<size_t>(n)) != n) {
      close(fd);
      unlink(path);
      return Status::Error(std::string(path) + ": write failed while copying standard input");
    }
  }
  close(fd);
  return std::string(path);
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot open");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::Error(path + ": read failed");
  return text;
}

// The snapshot named by the request, or the one beside the first trace.
// A named file must load; a sidecar that does not is reported and skipped.
Status LoadContext(const AnalyzeRequest& req, std::optional<ContextSnapshot>& context, std::string& file,
                   std::vector<std::string>& problems) {
  if (!req.context_path.empty()) {
    Result<std::string> text = ReadWholeFile(req.context_path);
    if (!text.ok()) return text.status();
    Result<ContextSnapshot> parsed = ContextFromJson(*text, req.context_path);
    if (!parsed.ok()) return parsed.status();
    context = std::move(*parsed);
    file = req.context_path;
    return Status::Ok();
  }
  if (!req.find_context || req.inputs.empty() || req.inputs.front() == "-") return Status::Ok();
  const std::string beside = ContextPathFor(req.inputs.front());
  if (access(beside.c_str(), F_OK) != 0) return Status::Ok();
  Result<std::string> text = ReadWholeFile(beside);
  Result<ContextSnapshot> parsed = text.ok() ? ContextFromJson(*text, beside) : Result<ContextSnapshot>(text.status());
  if (!parsed.ok()) {
    problems.push_back(parsed.status().message() + " (context snapshot ignored)");
    return Status::Ok();
  }
  context = std::move(*parsed);
  file = beside;
  return Status::Ok();
}

}  // namespace

Result<Report> AnalyzeTraces(const AnalyzeRequest& original) {
  if (original.inputs.empty()) return Status::Error("no trace given");
  AnalyzeRequest req = original;
  std::string spooled;
  if (!req.perfetto_path.empty()) {
    for (std::string& in : req.inputs) {
      if (in != "-") continue;
      Result<std::string> tmp = SpoolStdin();
      if (!tmp.ok()) return tmp.status();
      spooled = in = *tmp;
    }
  }
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      if (!path.empty()) unlink(path.c_str());
    }
  } cleanup{spooled};

  // Messages name standard input as the readers do, not the spool file.
  auto as_given = [&](const Status& s) {
    std::string m = s.message();
    if (!spooled.empty()) {
      for (size_t at = m.find(spooled); at != std::string::npos; at = m.find(spooled, at + 1))
        m.replace(at, spooled.size(), "<stdin>");
    }
    return Status::Error(m);
  };

  std::optional<ContextSnapshot> context;
  std::string context_file;
  TraceSummary summary;
  if (Status s = LoadContext(req, context, context_file, summary.problems); !s.ok()) return s;

  StringInterner strings;
  Analyzer analyzer(strings, req.analysis);
  if (Status s = ReadAll(req, strings, analyzer, &summary); !s.ok()) return as_given(s);
  Report report = analyzer.Finish(std::move(summary), context ? &*context : nullptr, context_file);
  if (!spooled.empty()) {
    for (std::string& in : report.trace.inputs) {
      if (in == spooled) in = "-";
    }
    for (std::string& p : report.trace.problems) p = as_given(Status::Error(p)).message();
    for (std::string& n : report.trace.notes) n = as_given(Status::Error(n)).message();
  }

  if (!req.perfetto_path.empty()) {
    std::ofstream out(req.perfetto_path, std::ios::binary);
    if (!out) return Status::Error(req.perfetto_path + ": cannot open for writing");
    std::unordered_set<int32_t> victims;
    for (const FindingReport& f : report.findings) victims.insert(f.victim.pid);
    for (const EpisodeReport& e : report.episodes) victims.insert(e.victim.pid);
    if (victims.empty()) victims.insert(-2);  // nobody: no wait slices, CPU tracks only
    StringInterner strings2;
    Analyzer second(strings2, req.analysis);
    PerfettoExporter exporter(out, &second.tracker(), strings2, std::move(victims));
    second.AddObserver(&exporter);
    if (Status s = ReadAll(req, strings2, second, nullptr); !s.ok()) return as_given(s);
    second.Finish(TraceSummary());
    exporter.Finish();
    out.flush();
    if (!out) return Status::Error(req.perfetto_path + ": write failed");
  }
  return report;
}

}  // namespace kstarve
