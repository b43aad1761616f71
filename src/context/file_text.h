// Reading the small text files of /proc, /sys and cgroupfs.
#pragma once

#include <string>

namespace kstarve {

// Reads the whole file into `out`. Returns 0 on success, else the errno
// (ENOENT for a thread that exited, EPERM for a locked-down knob).
int ReadFileText(const std::string& path, std::string& out);

// strerror as a std::string, for messages.
std::string ErrnoText(int error);

}  // namespace kstarve
