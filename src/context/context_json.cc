// JSON form of the context snapshot, schema "kstarve.context/1".
#include <nlohmann/json.hpp>

#include "context/snapshot.h"

namespace kstarve {
namespace {

using nlohmann::json;

json CgroupToJson(const CgroupCpu& c) {
  json j = {{"path", c.path}, {"version", c.version}};
  if (c.cpu_shares) j["cpu_shares"] = *c.cpu_shares;
  if (c.cpu_weight) j["cpu_weight"] = *c.cpu_weight;
  if (!c.weight_source.empty()) j["weight_source"] = c.weight_source;
  if (!c.cpu_max.empty()) j["cpu_max"] = c.cpu_max;
  if (c.rt_runtime_us) j["rt_runtime_us"] = *c.rt_runtime_us;
  return j;
}

json ThreadToJson(const ThreadContext& t) {
  json j = {{"pid", t.pid},
            {"tgid", t.tgid},
            {"comm", t.comm},
            {"process", t.process},
            {"policy", t.policy},
            {"rt_priority", t.rt_priority},
            {"nice", t.nice},
            {"allowed_cpus", t.allowed_cpus},
            {"kernel_thread", t.kernel_thread},
            {"start_time", t.start_time},
            {"cgroup", CgroupToJson(t.cgroup)}};
  if (t.dl_runtime_ns || t.dl_deadline_ns || t.dl_period_ns) {
    j["dl_runtime_ns"] = t.dl_runtime_ns;
    j["dl_deadline_ns"] = t.dl_deadline_ns;
    j["dl_period_ns"] = t.dl_period_ns;
  }
  return j;
}

// Reads typed values out of a JSON object and remembers the first error,
// naming the file and the key path ("threads[3].cgroup.version").
class Reader {
 public:
  explicit Reader(const std::string& name) : name_(name) {}
  bool failed() const { return !error_.empty(); }
  Status status() const { return Status::Error(error_); }

  void Fail(const std::string& key, const std::string& expected) {
    if (error_.empty()) error_ = name_ + ": key '" + key + "': expected " + expected;
  }

  const json* Member(const json& obj, const std::string& prefix, const char* key, bool required) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) Fail(prefix + key, "a value (the key is missing)");
      return nullptr;
    }
    return &*it;
  }

  template <typename T>
  void Int(const json& obj, const std::string& prefix, const char* key, T& out, bool required = true) {
    const json* v = Member(obj, prefix, key, required);
    if (v == nullptr) return;
    if (!v->is_number_integer()) return Fail(prefix + key, "an integer");
    if constexpr (std::is_unsigned_v<T>) {
      if (v->is_number_unsigned()) {
        out = v->get<T>();
        return;
      }
      return Fail(prefix + key, "a non-negative integer");
    } else {
      out = v->get<T>();
    }
  }

  template <typename T>
  void OptInt(const json& obj, const std::string& prefix, const char* key, std::optional<T>& out) {
    if (Member(obj, prefix, key, false) == nullptr) return;
    T value{};
    Int(obj, prefix, key, value);
    if (!failed()) out = value;
  }

  void String(const json& obj, const std::string& prefix, const char* key, std::string& out, bool required = true) {
    const json* v = Member(obj, prefix, key, required);
    if (v == nullptr) return;
    if (!v->is_string()) return Fail(prefix + key, "a string");
    out = v->get<std::string>();
  }

  void Bool(const json& obj, const std::string& prefix, const char* key, bool& out) {
    const json* v = Member(obj, prefix, key, true);
    if (v == nullptr) return;
    if (!v->is_boolean()) return Fail(prefix + key, "true or false");
    out = v->get<bool>();
  }

  const json* Object(const json& obj, const std::string& prefix, const char* key) {
    const json* v = Member(obj, prefix, key, true);
    if (v != nullptr && !v->is_object()) {
      Fail(prefix + key, "an object");
      return nullptr;
    }
    return v;
  }

  const json* Array(const json& obj, const std::string& prefix, const char* key, bool required = true) {
    const json* v = Member(obj, prefix, key, required);
    if (v != nullptr && !v->is_array()) {
      Fail(prefix + key, "an array");
      return nullptr;
    }
    return v;
  }

 private:
  const std::string& name_;
  std::string error_;
};

void ReadCgroup(Reader& r, const json& j, const std::string& p, CgroupCpu& c) {
  r.String(j, p, "path", c.path);
  r.Int(j, p, "version", c.version);
  if (!r.failed() && (c.version < 0 || c.version > 2)) r.Fail(p + "version", "0, 1 or 2");
  r.OptInt(j, p, "cpu_shares", c.cpu_shares);
  r.OptInt(j, p, "cpu_weight", c.cpu_weight);
  r.String(j, p, "weight_source", c.weight_source, false);
  r.String(j, p, "cpu_max", c.cpu_max, false);
  r.OptInt(j, p, "rt_runtime_us", c.rt_runtime_us);
}

void ReadThread(Reader& r, const json& j, const std::string& p, ThreadContext& t) {
  r.Int(j, p, "pid", t.pid);
  r.Int(j, p, "tgid", t.tgid);
  r.String(j, p, "comm", t.comm);
  r.String(j, p, "process", t.process);
  r.Int(j, p, "policy", t.policy);
  r.Int(j, p, "rt_priority", t.rt_priority);
  r.Int(j, p, "nice", t.nice);
  r.Int(j, p, "dl_runtime_ns", t.dl_runtime_ns, false);
  r.Int(j, p, "dl_deadline_ns", t.dl_deadline_ns, false);
  r.Int(j, p, "dl_period_ns", t.dl_period_ns, false);
  r.String(j, p, "allowed_cpus", t.allowed_cpus);
  r.Bool(j, p, "kernel_thread", t.kernel_thread);
  r.Int(j, p, "start_time", t.start_time);
  if (const json* c = r.Object(j, p, "cgroup")) ReadCgroup(r, *c, p + "cgroup.", t.cgroup);
}

void ReadKnobs(Reader& r, const json& j, SchedKnobs& k) {
  const std::string p = "knobs.";
  r.OptInt(j, p, "base_slice_ns", k.base_slice_ns);
  r.OptInt(j, p, "rt_runtime_us", k.rt_runtime_us);
  r.OptInt(j, p, "rt_period_us", k.rt_period_us);
  if (const json* f = r.Array(j, p, "features", false)) {
    for (size_t i = 0; i < f->size() && !r.failed(); ++i) {
      if (!(*f)[i].is_string()) r.Fail(p + "features[" + std::to_string(i) + "]", "a string");
      if (!r.failed()) k.features.push_back((*f)[i].get<std::string>());
    }
  }
  if (const json* u = r.Array(j, p, "unreadable", false)) {
    for (size_t i = 0; i < u->size() && !r.failed(); ++i) {
      if (!(*u)[i].is_string()) r.Fail(p + "unreadable[" + std::to_string(i) + "]", "a string");
      if (!r.failed()) k.unreadable.push_back((*u)[i].get<std::string>());
    }
  }
  if (const json* fs = r.Array(j, p, "fair_server", false)) {
    for (size_t i = 0; i < fs->size() && !r.failed(); ++i) {
      const std::string q = p + "fair_server[" + std::to_string(i) + "].";
      if (!(*fs)[i].is_object()) {
        r.Fail(p + "fair_server[" + std::to_string(i) + "]", "an object");
        break;
      }
      int cpu = 0;
      uint64_t runtime = 0, period = 0;
      r.Int((*fs)[i], q, "cpu", cpu);
      r.Int((*fs)[i], q, "runtime_ns", runtime);
      r.Int((*fs)[i], q, "period_ns", period);
      if (!r.failed()) k.fair_server[cpu] = {runtime, period};
    }
  }
}

}  // namespace

std::string ContextToJson(const ContextSnapshot& s) {
  json knobs = json::object();
  if (s.knobs.base_slice_ns) knobs["base_slice_ns"] = *s.knobs.base_slice_ns;
  knobs["features"] = s.knobs.features;
  if (s.knobs.rt_runtime_us) knobs["rt_runtime_us"] = *s.knobs.rt_runtime_us;
  if (s.knobs.rt_period_us) knobs["rt_period_us"] = *s.knobs.rt_period_us;
  json fair = json::array();
  for (const auto& [cpu, rp] : s.knobs.fair_server) {
    fair.push_back({{"cpu", cpu}, {"runtime_ns", rp.first}, {"period_ns", rp.second}});
  }
  knobs["fair_server"] = std::move(fair);
  knobs["unreadable"] = s.knobs.unreadable;
  json threads = json::array();
  for (const auto& [pid, t] : s.threads) threads.push_back(ThreadToJson(t));
  const json j = {{"schema", "kstarve.context/1"},
                  {"kernel", {{"release", s.kernel_release}, {"version", s.kernel_version}}},
                  {"cpus", s.cpus},
                  {"taken_at_ns", s.taken_at_ns},
                  {"knobs", std::move(knobs)},
                  {"threads", std::move(threads)}};
  // Comms need not be UTF-8: replace invalid bytes rather than throw.
  return j.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<ContextSnapshot> ContextFromJson(const std::string& text, const std::string& name) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Error(name + ": not valid JSON");
  if (!j.is_object()) return Status::Error(name + ": expected a JSON object at the top level");
  Reader r(name);
  std::string schema;
  r.String(j, "", "schema", schema);
  if (!r.failed() && schema != "kstarve.context/1") r.Fail("schema", "\"kstarve.context/1\", got \"" + schema + "\"");
  ContextSnapshot s;
  if (const json* k = r.Object(j, "", "kernel")) {
    r.String(*k, "kernel.", "release", s.kernel_release);
    r.String(*k, "kernel.", "version", s.kernel_version);
  }
  r.Int(j, "", "cpus", s.cpus);
  r.Int(j, "", "taken_at_ns", s.taken_at_ns);
  if (const json* k = r.Object(j, "", "knobs")) ReadKnobs(r, *k, s.knobs);
  if (const json* threads = r.Array(j, "", "threads")) {
    for (size_t i = 0; i < threads->size() && !r.failed(); ++i) {
      const std::string p = "threads[" + std::to_string(i) + "]";
      if (!(*threads)[i].is_object()) {
        r.Fail(p, "an object");
        break;
      }
      ThreadContext t;
      ReadThread(r, (*threads)[i], p + ".", t);
      if (r.failed()) break;
      if (!s.threads.emplace(t.pid, std::move(t)).second) r.Fail(p + ".pid", "a pid not listed before");
    }
  }
  if (r.failed()) return r.status();
  return s;
}

}  // namespace kstarve
