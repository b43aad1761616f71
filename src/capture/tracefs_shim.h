/* The libtracefs and kbuffer calls kstarve makes, behind a C interface.
 * tracefs.h (libtracefs 1.6) does not compile as C++ and neither it nor
 * kbuffer.h has extern "C" guards, so every call into them lives in
 * tracefs_shim.c and C++ code includes only this header. */
#ifndef KSTARVE_CAPTURE_TRACEFS_SHIM_H_
#define KSTARVE_CAPTURE_TRACEFS_SHIM_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ks_instance;
struct ks_cpu;

/* The tracefs mount point libtracefs uses, or NULL if none is mounted. */
const char* ks_tracing_dir(void);

/* Creates (or opens, if it exists) the instance `name`. NULL on error (errno). */
struct ks_instance* ks_instance_create(const char* name);
/* Removes the instance directory and frees the handle. 0 or -1 (errno). */
int ks_instance_destroy(struct ks_instance* instance);
/* Frees the handle without removing the instance. */
void ks_instance_free(struct ks_instance* instance);
/* The instance's directory (malloc'd, caller frees), or NULL. */
char* ks_instance_dir(struct ks_instance* instance);
/* Per-CPU ring buffer size in KiB for all CPUs. 0 or -1. */
int ks_instance_set_buffer_kb(struct ks_instance* instance, size_t kb);
/* Writes `text` to a file of the instance ("trace_clock"). 0 or -1. */
int ks_instance_write(struct ks_instance* instance, const char* file, const char* text);
/* Enables system:event (event NULL = all of the system). 0, or -1 if it does not exist or cannot be enabled. */
int ks_event_enable(struct ks_instance* instance, const char* system, const char* event);
int ks_tracing_on(struct ks_instance* instance);
int ks_tracing_off(struct ks_instance* instance);

/* A non-blocking reader of per_cpu/cpuN/trace_pipe_raw. NULL on error. */
struct ks_cpu* ks_cpu_open(struct ks_instance* instance, int cpu);
/* The size of one sub-buffer (page) that every read fills. */
int ks_cpu_page_size(struct ks_cpu* reader);
/* Reads one page into `page` (ks_cpu_page_size bytes): bytes read, 0 when
 * the buffer is empty, -1 on error (errno). */
int ks_cpu_read(struct ks_cpu* reader, void* page);
/* Like ks_cpu_read, for the last pages after tracing stopped. */
int ks_cpu_flush(struct ks_cpu* reader, void* page);
void ks_cpu_close(struct ks_cpu* reader);

/* A parser of ring-buffer pages in the host's layout. */
struct ks_page_parser;
struct ks_page_parser* ks_page_parser_new(void);
void ks_page_parser_free(struct ks_page_parser* parser);
/* Counts the records of one page by event type id: counts[type] += 1 for
 * each record (counts has 65536 entries). Returns the number of records.
 * *missed is the page's missed-events count: 0 none, -1 lost but count
 * unknown, else the count. */
int64_t ks_page_count(struct ks_page_parser* parser, void* page, uint64_t* counts, int64_t* missed);

#ifdef __cplusplus
}
#endif

#endif /* KSTARVE_CAPTURE_TRACEFS_SHIM_H_ */
