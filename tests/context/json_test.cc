// The kstarve.context/1 JSON: round trip, and errors that name file and key.
#include <gtest/gtest.h>

#include "context/collect.h"
#include "context/snapshot.h"

namespace kstarve {
namespace {

ContextSnapshot Sample() {
  ContextSnapshot s;
  s.kernel_release = "6.18.44";
  s.kernel_version = "#1 SMP";
  s.cpus = 2;
  s.taken_at_ns = 123456789012;
  s.knobs.base_slice_ns = 3000000;
  s.knobs.features = {"PLACE_LAG", "NO_RT_PUSH_IPI"};
  s.knobs.rt_runtime_us = 950000;
  s.knobs.rt_period_us = 1000000;
  s.knobs.fair_server[1] = {50000000, 1000000000};
  s.knobs.unreadable = {"features: Operation not permitted"};
  ThreadContext t;
  t.pid = 22;
  t.tgid = 22;
  t.comm = "ksoftirqd/1";
  t.process = "ksoftirqd/1";
  t.policy = 6;
  t.dl_runtime_ns = 200000;
  t.dl_deadline_ns = 10000000;
  t.dl_period_ns = 10000000;
  t.allowed_cpus = "1";
  t.kernel_thread = true;
  t.start_time = 5;
  t.cgroup = {"/", 1, 1024, 100, "cpu.shares", "max 100000", 950000};
  s.threads[22] = t;
  ThreadContext u;
  u.pid = 4101;
  u.tgid = 4100;
  u.comm = "fio";
  u.process = "fio";
  u.nice = -5;
  u.cgroup.version = 2;
  u.cgroup.path = "/k8s";
  s.threads[4101] = u;
  return s;
}

void ExpectSame(const ContextSnapshot& a, const ContextSnapshot& b) {
  EXPECT_EQ(a.kernel_release, b.kernel_release);
  EXPECT_EQ(a.kernel_version, b.kernel_version);
  EXPECT_EQ(a.cpus, b.cpus);
  EXPECT_EQ(a.taken_at_ns, b.taken_at_ns);
  EXPECT_EQ(a.knobs.base_slice_ns, b.knobs.base_slice_ns);
  EXPECT_EQ(a.knobs.features, b.knobs.features);
  EXPECT_EQ(a.knobs.rt_runtime_us, b.knobs.rt_runtime_us);
  EXPECT_EQ(a.knobs.rt_period_us, b.knobs.rt_period_us);
  EXPECT_EQ(a.knobs.fair_server, b.knobs.fair_server);
  EXPECT_EQ(a.knobs.unreadable, b.knobs.unreadable);
  ASSERT_EQ(a.threads.size(), b.threads.size());
  for (const auto& [pid, t] : a.threads) {
    const ThreadContext& u = b.threads.at(pid);
    EXPECT_EQ(t.tgid, u.tgid);
    EXPECT_EQ(t.comm, u.comm);
    EXPECT_EQ(t.process, u.process);
    EXPECT_EQ(t.policy, u.policy);
    EXPECT_EQ(t.rt_priority, u.rt_priority);
    EXPECT_EQ(t.nice, u.nice);
    EXPECT_EQ(t.dl_runtime_ns, u.dl_runtime_ns);
    EXPECT_EQ(t.dl_deadline_ns, u.dl_deadline_ns);
    EXPECT_EQ(t.dl_period_ns, u.dl_period_ns);
    EXPECT_EQ(t.allowed_cpus, u.allowed_cpus);
    EXPECT_EQ(t.kernel_thread, u.kernel_thread);
    EXPECT_EQ(t.start_time, u.start_time);
    EXPECT_EQ(t.cgroup.path, u.cgroup.path);
    EXPECT_EQ(t.cgroup.version, u.cgroup.version);
    EXPECT_EQ(t.cgroup.cpu_shares, u.cgroup.cpu_shares);
    EXPECT_EQ(t.cgroup.cpu_weight, u.cgroup.cpu_weight);
    EXPECT_EQ(t.cgroup.weight_source, u.cgroup.weight_source);
    EXPECT_EQ(t.cgroup.cpu_max, u.cgroup.cpu_max);
    EXPECT_EQ(t.cgroup.rt_runtime_us, u.cgroup.rt_runtime_us);
  }
}

TEST(ContextJson, RoundTrip) {
  const ContextSnapshot s = Sample();
  const std::string text = ContextToJson(s);
  EXPECT_NE(text.find("\"schema\": \"kstarve.context/1\""), std::string::npos);
  Result<ContextSnapshot> back = ContextFromJson(text, "k.dat.context.json");
  ASSERT_TRUE(back.ok()) << back.status().message();
  ExpectSame(s, *back);
  EXPECT_EQ(ContextToJson(*back), text);
}

TEST(ContextJson, RoundTripOfCollectedFakeTree) {
  Result<ContextSnapshot> s = CollectContext(CollectOptions{std::string(KSTARVE_CONTEXT_TEST_DATA) + "/v1", false});
  ASSERT_TRUE(s.ok()) << s.status().message();
  Result<ContextSnapshot> back = ContextFromJson(ContextToJson(*s), "x");
  ASSERT_TRUE(back.ok()) << back.status().message();
  ExpectSame(*s, *back);
}

// Replaces the first occurrence of `from` in the sample's JSON.
std::string Broken(const std::string& from, const std::string& to) {
  std::string text = ContextToJson(Sample());
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

void ExpectError(const std::string& text, const std::string& wanted) {
  Result<ContextSnapshot> r = ContextFromJson(text, "run.dat.context.json");
  ASSERT_FALSE(r.ok()) << "accepted: " << wanted;
  EXPECT_NE(r.status().message().find("run.dat.context.json"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(wanted), std::string::npos) << r.status().message();
}

// Keys this version does not know are ignored: later versions may add some.
TEST(ContextJson, UnknownKeysAreIgnored) {
  EXPECT_TRUE(ContextFromJson(Broken("\"cpus\": 2", "\"cpus\": 2, \"future\": {\"a\": 1}"), "x").ok());
}

TEST(ContextJson, ErrorsNameFileAndKey) {
  ExpectError("{ not json", "not valid JSON");
  ExpectError("[1, 2]", "object at the top level");
  ExpectError(Broken("kstarve.context/1", "kstarve.context/9"), "'schema'");
  ExpectError(Broken("\"cpus\": 2", "\"cpus\": \"two\""), "'cpus': expected an integer");
  ExpectError(Broken("\"pid\": 4101", "\"pid\": 4101.5"), "'threads[1].pid'");
  ExpectError(Broken("\"comm\": \"fio\"", "\"comm\": 7"), "'threads[1].comm': expected a string");
  ExpectError(Broken("\"version\": 2", "\"version\": 7"), "'threads[1].cgroup.version'");
  ExpectError(Broken("\"cpu_shares\": 1024", "\"cpu_shares\": -1"), "'threads[0].cgroup.cpu_shares'");
  ExpectError(Broken("\"kernel_thread\": true", "\"kernel_thread\": 1"), "'threads[0].kernel_thread'");
  ExpectError(Broken("\"base_slice_ns\": 3000000", "\"base_slice_ns\": -3"), "'knobs.base_slice_ns'");
  ExpectError(Broken("\"features\": [", "\"features\": [3, "), "'knobs.features[0]': expected a string");
  ExpectError(Broken("\"start_time\": 0,", ""), "'threads[1].start_time': expected a value");
  ExpectError(Broken("\"pid\": 4101", "\"pid\": 22"), "'threads[1].pid': expected a pid not listed before");
  ExpectError(Broken("\"runtime_ns\": 50000000", "\"runtime_ns\": \"x\""), "'knobs.fair_server[0].runtime_ns'");
}

}  // namespace
}  // namespace kstarve
