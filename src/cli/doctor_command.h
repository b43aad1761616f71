// `kstarve doctor [-d SECONDS] [--format text|json]`: record this machine
// for a few seconds and say, in plain words, which threads starved, behind
// whom, why, and what to do.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace kstarve {

class DoctorCommand {
 public:
  explicit DoctorCommand(CLI::App& app);
  bool parsed() const { return cmd_->parsed(); }
  int Run();

 private:
  CLI::App* cmd_;
  double duration_s_ = 5;
  std::string format_ = "text";
  std::string keep_;
  bool workqueue_ = false;
  double threshold_ms_ = 10;
  double chronic_share_ = 0.10;
  size_t top_ = 10;
  std::string color_ = "auto";
};

// What stops doctor from recording on this machine, one line each, empty
// when nothing does: root, tracefs, the scheduler tracepoints.
std::vector<std::string> DoctorPrerequisitesMissing();

}  // namespace kstarve
