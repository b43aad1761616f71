/* See tracefs_shim.h: the only translation unit that includes tracefs.h. */
#include "capture/tracefs_shim.h"

#include <errno.h>
#include <stdlib.h>
#include <tracefs/tracefs.h>
#include <traceevent/kbuffer.h>

struct ks_instance {
  struct tracefs_instance* inst;
};

struct ks_cpu {
  struct tracefs_cpu* tcpu;
};

struct ks_page_parser {
  struct kbuffer* kbuf;
};

const char* ks_tracing_dir(void) { return tracefs_tracing_dir(); }

struct ks_instance* ks_instance_create(const char* name) {
  struct ks_instance* h = calloc(1, sizeof(*h));
  if (!h) return NULL;
  h->inst = tracefs_instance_create(name);
  if (!h->inst) {
    int saved = errno;
    free(h);
    errno = saved;
    return NULL;
  }
  return h;
}

int ks_instance_destroy(struct ks_instance* instance) {
  if (!instance) return 0;
  int rc = tracefs_instance_destroy(instance->inst);
  int saved = errno;
  tracefs_instance_free(instance->inst);
  free(instance);
  errno = saved;
  return rc;
}

void ks_instance_free(struct ks_instance* instance) {
  if (!instance) return;
  tracefs_instance_free(instance->inst);
  free(instance);
}

char* ks_instance_dir(struct ks_instance* instance) { return tracefs_instance_get_dir(instance->inst); }

int ks_instance_set_buffer_kb(struct ks_instance* instance, size_t kb) {
  return tracefs_instance_set_buffer_size(instance->inst, kb, -1);
}

int ks_instance_write(struct ks_instance* instance, const char* file, const char* text) {
  return tracefs_instance_file_write(instance->inst, file, text) < 0 ? -1 : 0;
}

int ks_event_enable(struct ks_instance* instance, const char* system, const char* event) {
  return tracefs_event_enable(instance->inst, system, event) < 0 ? -1 : 0;
}

int ks_tracing_on(struct ks_instance* instance) { return tracefs_trace_on(instance->inst); }
int ks_tracing_off(struct ks_instance* instance) { return tracefs_trace_off(instance->inst); }

struct ks_cpu* ks_cpu_open(struct ks_instance* instance, int cpu) {
  struct ks_cpu* h = calloc(1, sizeof(*h));
  if (!h) return NULL;
  h->tcpu = tracefs_cpu_open(instance->inst, cpu, true);
  if (!h->tcpu) {
    int saved = errno;
    free(h);
    errno = saved;
    return NULL;
  }
  return h;
}

int ks_cpu_page_size(struct ks_cpu* reader) { return tracefs_cpu_read_size(reader->tcpu); }
int ks_cpu_read(struct ks_cpu* reader, void* page) { return tracefs_cpu_read(reader->tcpu, page, true); }
int ks_cpu_flush(struct ks_cpu* reader, void* page) { return tracefs_cpu_flush(reader->tcpu, page); }

void ks_cpu_close(struct ks_cpu* reader) {
  if (!reader) return;
  tracefs_cpu_close(reader->tcpu);
  free(reader);
}

struct ks_page_parser* ks_page_parser_new(void) {
  struct ks_page_parser* p = calloc(1, sizeof(*p));
  if (!p) return NULL;
  p->kbuf = kbuffer_alloc(KBUFFER_LSIZE_SAME_AS_HOST, KBUFFER_ENDIAN_SAME_AS_HOST);
  if (!p->kbuf) {
    free(p);
    return NULL;
  }
  return p;
}

void ks_page_parser_free(struct ks_page_parser* parser) {
  if (!parser) return;
  kbuffer_free(parser->kbuf);
  free(parser);
}

int64_t ks_page_count(struct ks_page_parser* parser, void* page, uint64_t* counts, int64_t* missed) {
  *missed = 0;
  if (kbuffer_load_subbuffer(parser->kbuf, page) < 0) return 0;
  *missed = kbuffer_missed_events(parser->kbuf);
  int64_t n = 0;
  unsigned long long ts = 0;
  for (void* data = kbuffer_read_event(parser->kbuf, &ts); data; data = kbuffer_next_event(parser->kbuf, &ts)) {
    /* Every record starts with common_type, an unsigned short. */
    const unsigned short type = *(const unsigned short*)data;
    counts[type]++;
    n++;
  }
  return n;
}
