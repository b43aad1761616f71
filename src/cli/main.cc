// kstarve: find, explain and fix CPU starvation of kernel threads.
// The command line is a thin layer: each subcommand parses its options and
// calls one library entry point. Exceptions stop here.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "base/version.h"
#include "cli/doctor_command.h"
#include "cli/guard_command.h"
#include "cli/record_command.h"
#include "cli/report_command.h"

namespace {

int Main(int argc, char** argv) {
  CLI::App app{
      "kstarve: find, explain and fix CPU starvation of kernel threads.\n\n"
      "A kernel worker (kworker, ksoftirqd, a dio completion worker) is runnable, but the\n"
      "scheduler keeps running something it prefers. kstarve reads scheduler traces and says\n"
      "who waited, how long, behind whom, and why.",
      "kstarve"};
  app.set_version_flag("-V,--version", std::string("kstarve ") + KSTARVE_VERSION);
  app.require_subcommand(0, 1);
  app.footer(
      "Run `kstarve help COMMAND` or `kstarve COMMAND --help` for a command's options.\n"
      "Planned, not in this version: sim (see README).");

  kstarve::ReportCommand report(app);
  kstarve::RecordCommand record(app);
  kstarve::DoctorCommand doctor(app);
  kstarve::GuardCommand guard(app);

  CLI::App* help = app.add_subcommand("help", "Show help for kstarve or for one command");
  std::string help_topic;
  help->add_option("COMMAND", help_topic, "Command to explain");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version end here with 0; every usage error exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (help->parsed() || app.get_subcommands().empty()) {
    if (!help_topic.empty()) {
      try {
        std::cout << app.get_subcommand(help_topic)->help();
        return 0;
      } catch (const CLI::OptionNotFound&) {
        std::cerr << "kstarve: no command named '" << help_topic
                  << "' (commands: doctor, record, report, guard, help)\n";
        return 2;
      }
    }
    std::cout << app.help();
    return help->parsed() ? 0 : 2;
  }
  if (guard.parsed()) return guard.Run();
  if (record.parsed()) return record.Run();
  if (doctor.parsed()) return doctor.Run();
  return report.Run();
}

}  // namespace

// The edge where exceptions stop: libraries return Status; anything thrown
// (out of memory, a bug) becomes a message and exit status 1, not an abort.
int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "kstarve: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "kstarve: internal error\n";
  }
  return 1;
}
