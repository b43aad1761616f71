#include "readers/task_state.h"

#include "events/event.h"
#include "readers/text_scan.h"

namespace kstarve {
namespace {

// Letters of the kernel's __print_flags table for prev_state.
uint16_t KernelLetterBit(char c) {
  switch (c) {
    case 'R': return kStateRunnable;
    case 'S': return kStateS;
    case 'D': return kStateD;
    case 'T': return kStateT;
    case 't': return kStatet;
    case 'X': return kStateX;
    case 'Z': return kStateZ;
    case 'P': return kStateP;
    case 'I': return kStateI;
    default: return kStateS;  // older kernels' K, W, N, x...: asleep in some way
  }
}

// trace-cmd's plugin prints bit i of the raw value as "SDTtZXxW"[i]; the raw
// bits are the kernel's TASK_REPORT bits, which TaskState mirrors.
uint16_t PluginLetterBit(char c) {
  switch (c) {
    case 'R': return kStateRunnable;
    case 'S': return 1 << 0;
    case 'D': return 1 << 1;
    case 'T': return 1 << 2;
    case 't': return 1 << 3;
    case 'Z': return 1 << 4;
    case 'X': return 1 << 5;
    case 'x': return 1 << 6;
    case 'W': return 1 << 7;
    default: return kStateS;
  }
}

bool IsLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

template <typename LetterBit>
bool ParseLetters(std::string_view text, uint16_t& state, LetterBit letter_bit) {
  if (text.empty()) return false;
  uint16_t bits = 0;
  bool any_letter = false;
  for (char c : text) {
    if (IsLetter(c)) {
      bits |= letter_bit(c);
      any_letter = true;
    } else if (c == '+') {
      bits |= kStatePreempted;
    } else if (c != '|') {
      return false;
    }
  }
  if (!any_letter) return false;
  state = bits;
  return true;
}

}  // namespace

uint16_t StateFromRawNumber(uint64_t raw) {
  auto state = static_cast<uint16_t>(raw & 0xff);
  if (raw > 0xff) state |= kStatePreempted;
  return state;
}

bool ParsePrevState(std::string_view text, uint16_t& state) {
  if (!text.empty() && text::IsDigit(text[0])) {
    uint64_t raw = 0;
    if (!text::ParseLeadingInt(text, raw)) return false;
    state = StateFromRawNumber(raw);
    return true;
  }
  return ParseLetters(text, state, KernelLetterBit);
}

bool ParseShortFormState(std::string_view text, uint16_t& state) {
  return ParseLetters(text, state, PluginLetterBit);
}

}  // namespace kstarve
