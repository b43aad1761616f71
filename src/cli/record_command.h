// `kstarve record [-d SECONDS] [-o FILE] [-- COMMAND ARGS...]`: record the
// live machine into a trace.dat plus a context snapshot.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "capture/recorder.h"

namespace kstarve {

class RecordCommand {
 public:
  explicit RecordCommand(CLI::App& app);
  bool parsed() const { return cmd_->parsed(); }
  // Returns the process exit code: the command's exit status when one was
  // given, 0 after a recording, 1 on errors.
  int Run();

 private:
  CLI::App* cmd_;
  RecordOptions options_;
  std::string events_;
  bool no_context_ = false;
};

}  // namespace kstarve
