// The trace.dat output API of libtracecmd. libtracecmd.so.1 exports these
// functions, but Debian's trace-cmd/trace-cmd.h declares only the input
// API: the prototypes below are those of trace-cmd 3.1.6 (libtracecmd
// 1.3.1), lib/trace-cmd/include/private/trace-cmd-private.h. They are
// private upstream and may change without a soname bump, so CMake refuses
// any libtracecmd other than 1.3.x (see src/capture/CMakeLists.txt), and
// this is the only file that declares them.
#pragma once

extern "C" {

struct tracecmd_output;
struct tracecmd_option;
struct tracecmd_event_list;

// enum tracecmd_option_id in trace-cmd 3.1.6.
inline constexpr unsigned short kTracecmdOptionCpuStat = 2;
inline constexpr unsigned short kTracecmdOptionTraceClock = 4;

struct tracecmd_output* tracecmd_output_create(const char* output_file);
// list NULL: write the formats of all events of the tracing directory.
int tracecmd_output_write_headers(struct tracecmd_output* handle, struct tracecmd_event_list* list);
struct tracecmd_option* tracecmd_add_option(struct tracecmd_output* handle, unsigned short id, int size,
                                            const void* data);
int tracecmd_write_cmdlines(struct tracecmd_output* handle);
int tracecmd_append_cpu_data(struct tracecmd_output* handle, int cpus, char* const* cpu_data_files);
void tracecmd_output_close(struct tracecmd_output* handle);

// Without it, append_cpu_data prints "CPUn data recorded at offset=..."
// on stderr.
void tracecmd_set_quiet(struct tracecmd_output* handle, bool set_quiet);

}  // extern "C"
