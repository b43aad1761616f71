// Parsing sched_switch prev_state in every form it is printed.
#pragma once

#include <cstdint>
#include <string_view>

namespace kstarve {

// Parses prev_state as the kernel's TP_printk prints it ("R", "R+", "S",
// "D|K", ...) or as a number (`trace-cmd report -R`). Letters the kernel no
// longer prints (K, W, N, x, ...) become a sleep bit, never "runnable".
// Returns false if `text` is neither.
bool ParsePrevState(std::string_view text, uint16_t& state);

// Parses the state letters of trace-cmd's sched_switch plugin short form,
// which names bits with its own table ("SDTtZXxW") and never prints '+'.
bool ParseShortFormState(std::string_view text, uint16_t& state);

// Converts a raw prev_state number as 5.x-6.x kernels record it: the low
// byte holds one TASK_REPORT bit (0 is running) and TASK_REPORT_MAX (0x100)
// or any higher bit means the task was preempted while runnable.
uint16_t StateFromRawNumber(uint64_t raw);

}  // namespace kstarve
