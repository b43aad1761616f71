// `kstarve report TRACE...`: explain scheduling delays from trace files.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace kstarve {

class ReportCommand {
 public:
  explicit ReportCommand(CLI::App& app);
  // Runs if the subcommand was given; returns the process exit code.
  int Run();

 private:
  CLI::App* cmd_;
  std::vector<std::string> traces_;
  std::string format_ = "text";
  double threshold_ms_ = 10;
  double chronic_share_ = 0.10;
  std::string by_ = "pid";
  std::string perfetto_;
  std::string context_;
  bool no_context_ = false;
  std::string color_ = "auto";
  size_t top_ = 25;
  size_t episodes_ = 10;
};

}  // namespace kstarve
