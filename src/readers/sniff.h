// Sniffing: which text format an input is, from its content alone.
//
// Every line parser reads the same lines; the one that recognizes the most
// records wins. trace-cmd report output parses like ftrace text and is told
// apart by its header ("cpus=N", "version = N") or by things only it prints
// (plugin short forms, instance-name prefixes, "EVENTS DROPPED").
#pragma once

#include <cstdint>
#include <string_view>

#include "base/interner.h"
#include "readers/ftrace_text_parser.h"
#include "readers/perf_script_parser.h"
#include "readers/trace_reader.h"

namespace kstarve {

// Whether `line` is a header line of `trace-cmd report` ("cpus=4", "version = 6").
bool IsTraceCmdHeaderLine(std::string_view line);

class FormatSniffer {
 public:
  explicit FormatSniffer(StringInterner& strings) : ftrace_(strings), perf_(strings) {}

  // Scores one line for every format.
  void Offer(std::string_view line);

  // The best format so far, or kUnknown if no line was a record in any format.
  TraceFormat Best() const;

 private:
  FtraceTextParser ftrace_;
  PerfScriptParser perf_;
  ParsedLine scratch_;
  uint64_t ftrace_records_ = 0;
  uint64_t perf_records_ = 0;
  bool trace_cmd_seen_ = false;
};

}  // namespace kstarve
