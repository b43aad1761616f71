// By-hand driver for `guard --check` until the CLI command exists:
//   rules_check_tool FILE [--force]
// Explains the rules only (no host: the live host lives in the daemon).
#include <cstring>
#include <iostream>

#include "guard/check.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: rules_check_tool FILE [--force]\n";
    return 2;
  }
  bool force = argc > 2 && std::strcmp(argv[2], "--force") == 0;
  return kstarve::guard::RunGuardCheck(argv[1], force, nullptr, std::cout, std::cerr);
}
