#include "readers/sniff.h"

#include "readers/text_scan.h"

namespace kstarve {
namespace {

bool IsRecord(LineKind k) {
  return k == LineKind::kEvent || k == LineKind::kOtherEvent || k == LineKind::kMalformed;
}

}  // namespace

bool IsTraceCmdHeaderLine(std::string_view line) {
  line = text::Trim(line);
  constexpr std::string_view kCpus = "cpus=";
  if (line.substr(0, kCpus.size()) == kCpus) return text::AllDigits(line.substr(kCpus.size()));
  constexpr std::string_view kVersion = "version";
  if (line.substr(0, kVersion.size()) != kVersion) return false;
  std::string_view rest = text::TrimLeft(line.substr(kVersion.size()));
  if (rest.empty() || rest[0] != '=') return false;
  return text::AllDigits(text::TrimLeft(rest.substr(1)));
}

void FormatSniffer::Offer(std::string_view line) {
  if (IsTraceCmdHeaderLine(line)) {
    trace_cmd_seen_ = true;
    return;
  }
  ftrace_.Parse(line, scratch_);
  if (IsRecord(scratch_.kind)) ++ftrace_records_;
  if (scratch_.trace_cmd_hint) trace_cmd_seen_ = true;
  perf_.Parse(line, scratch_);
  if (IsRecord(scratch_.kind)) ++perf_records_;
}

TraceFormat FormatSniffer::Best() const {
  if (ftrace_records_ == 0 && perf_records_ == 0) return TraceFormat::kUnknown;
  if (perf_records_ > ftrace_records_) return TraceFormat::kPerfScript;
  return trace_cmd_seen_ ? TraceFormat::kTraceCmdReport : TraceFormat::kFtraceText;
}

}  // namespace kstarve
