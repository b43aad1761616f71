// `kstarve guard`: keep kernel threads from starving (standing rules, --auto
// boosts and escalation), `guard --check FILE`, `guard --restore` and
// `guard status`.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "guard/daemon.h"

namespace kstarve {

class GuardCommand {
 public:
  explicit GuardCommand(CLI::App& app);
  bool parsed() const { return cmd_->parsed(); }
  // Runs if the subcommand was given; returns the process exit code.
  int Run();

 private:
  CLI::App* cmd_;
  CLI::App* status_;
  guard::DaemonOptions options_;
  std::string check_;
  bool status_json_ = false;
};

}  // namespace kstarve
