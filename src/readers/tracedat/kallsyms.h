// Kallsyms: kernel addresses to function names, from the /proc/kallsyms
// text a trace.dat carries (workqueue events record function pointers).
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace kstarve::tracedat {

class Kallsyms {
 public:
  // Parses "ADDRESS TYPE NAME [MODULE]" lines; malformed lines are skipped.
  // Names point into `text`, which must outlive this object.
  void Parse(std::string_view text);

  // The symbol containing `address` (at or below it, and below the next
  // symbol); false if there is none.
  bool Lookup(uint64_t address, std::string_view& name) const;

 private:
  std::vector<std::pair<uint64_t, std::string_view>> symbols_;  // by address
};

}  // namespace kstarve::tracedat
