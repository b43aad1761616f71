#include "fake_host.h"

#include <cstdlib>
#include <filesystem>

namespace kstarve::guard::testing {

TempDir::TempDir() {
  char tmpl[] = "/tmp/kstarve-guard-test-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  path_ = dir != nullptr ? dir : "/tmp";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (path_ != "/tmp") std::filesystem::remove_all(path_, ec);
}

}  // namespace kstarve::guard::testing
