// CollectContext on fake /proc + /sys trees (tests/context/data), and live.
#include "context/collect.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "context/snapshot.h"

namespace kstarve {
namespace {

const std::string kData = KSTARVE_CONTEXT_TEST_DATA;

ContextSnapshot CollectFake(const std::string& tree) {
  Result<ContextSnapshot> s = CollectContext(CollectOptions{kData + "/" + tree, /*live=*/false});
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? s.value() : ContextSnapshot{};
}

TEST(CollectFake, V1TreeThreadsAndCgroups) {
  ContextSnapshot s = CollectFake("v1");
  EXPECT_EQ(s.kernel_release, "6.18.44-test");
  EXPECT_EQ(s.cpus, 2);
  ASSERT_EQ(s.threads.size(), 3u);

  const ThreadContext& fio = s.threads.at(4100);
  EXPECT_EQ(fio.comm, "fio");
  EXPECT_EQ(fio.process, "fio");
  EXPECT_EQ(fio.tgid, 4100);
  EXPECT_EQ(fio.allowed_cpus, "1");
  EXPECT_FALSE(fio.kernel_thread);
  EXPECT_EQ(fio.cgroup.version, 1);
  EXPECT_EQ(fio.cgroup.path, "/fio");
  EXPECT_EQ(fio.cgroup.cpu_shares, 262144u);
  EXPECT_EQ(fio.cgroup.cpu_weight, 10000u);
  EXPECT_EQ(fio.cgroup.weight_source, "cpu.shares");
  EXPECT_EQ(fio.cgroup.cpu_max, "50000 100000");
  EXPECT_EQ(fio.cgroup.rt_runtime_us, 0);

  const ThreadContext& worker = s.threads.at(4101);
  EXPECT_EQ(worker.comm, "fio w) 1");
  EXPECT_EQ(worker.process, "fio");
  EXPECT_EQ(worker.tgid, 4100);
  EXPECT_EQ(worker.policy, 3);
  EXPECT_EQ(worker.nice, -5);
  EXPECT_EQ(worker.start_time, 668700u);

  const ThreadContext& ksoftirqd = s.threads.at(22);
  EXPECT_TRUE(ksoftirqd.kernel_thread);
  EXPECT_EQ(ksoftirqd.policy, 1);
  EXPECT_EQ(ksoftirqd.rt_priority, 50);
  EXPECT_EQ(ksoftirqd.cgroup.path, "/");
  EXPECT_EQ(ksoftirqd.cgroup.cpu_shares, 1024u);
  EXPECT_EQ(ksoftirqd.cgroup.cpu_max, "max 100000");
  EXPECT_EQ(ksoftirqd.cgroup.rt_runtime_us, 950000);
}

TEST(CollectFake, V1TreeKnobs) {
  ContextSnapshot s = CollectFake("v1");
  EXPECT_EQ(s.knobs.base_slice_ns, 3000000u);
  EXPECT_EQ(s.knobs.rt_runtime_us, 950000);
  EXPECT_EQ(s.knobs.rt_period_us, 1000000);
  ASSERT_EQ(s.knobs.features.size(), 4u);
  EXPECT_EQ(s.knobs.features[2], "NO_RT_PUSH_IPI");
  ASSERT_EQ(s.knobs.fair_server.size(), 2u);
  EXPECT_EQ(s.knobs.fair_server.at(1).first, 40000000u);
  EXPECT_EQ(s.knobs.fair_server.at(1).second, 1000000000u);
  EXPECT_TRUE(s.knobs.unreadable.empty());
}

TEST(CollectFake, V2TreeWeightsAndMissingKnobs) {
  ContextSnapshot s = CollectFake("v2");
  EXPECT_EQ(s.cpus, 5);  // "0-3,6"
  const ThreadContext& vhost = s.threads.at(700);
  EXPECT_EQ(vhost.cgroup.version, 2);
  EXPECT_EQ(vhost.cgroup.path, "/k8s/pod1");
  EXPECT_EQ(vhost.cgroup.cpu_weight, 1000u);
  EXPECT_EQ(vhost.cgroup.weight_source, "cpu.weight");
  EXPECT_FALSE(vhost.cgroup.cpu_shares.has_value());
  EXPECT_EQ(vhost.cgroup.cpu_max, "max 100000");
  EXPECT_EQ(s.threads.at(1).cgroup.path, "/init.scope");
  EXPECT_FALSE(s.threads.at(1).cgroup.cpu_weight.has_value());
  // Knobs this tree lacks are absent, not errors.
  EXPECT_FALSE(s.knobs.base_slice_ns.has_value());
  EXPECT_TRUE(s.knobs.features.empty());
  EXPECT_TRUE(s.knobs.unreadable.empty());
}

TEST(CollectFake, MissingProcIsAnError) {
  Result<ContextSnapshot> s = CollectContext(CollectOptions{kData + "/no-such-tree", false});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("no-such-tree/proc"), std::string::npos);
}

TEST(MergeContext, AddsNewThreadsAndKeepsStartAttributes) {
  ContextSnapshot start = CollectFake("v1");
  ContextSnapshot end = start;
  end.threads.at(4100).nice = 10;  // changed during the recording
  ThreadContext born;
  born.pid = 5000;
  born.comm = "kworker/1:3";
  end.threads[5000] = born;
  end.threads.erase(22);  // exited during the recording
  MergeContext(start, end);
  EXPECT_EQ(start.threads.size(), 4u);
  EXPECT_EQ(start.threads.at(4100).nice, 0);
  EXPECT_EQ(start.threads.at(5000).comm, "kworker/1:3");
  EXPECT_TRUE(start.threads.count(22));
}

TEST(ContextPath, BesideTheTrace) {
  EXPECT_EQ(ContextPathFor("/tmp/x/k.dat"), "/tmp/x/k.dat.context.json");
}

// The live system: a thread we set to SCHED_BATCH nice 3 is found with
// those attributes, and our own thread with its real policy.
TEST(CollectLive, FindsOwnThreadsWithPolicyAndNice) {
  if (access("/proc/self/task", R_OK) != 0) GTEST_SKIP() << "/proc/self/task is not readable";
  std::promise<pid_t> tid_promise;
  std::promise<void> done;
  std::shared_future<void> done_future = done.get_future().share();
  std::thread worker([&] {
    sched_param p{};
    const int policy_rc = sched_setscheduler(0, SCHED_BATCH, &p);
    const int nice_rc = setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 3);
    tid_promise.set_value(policy_rc == 0 && nice_rc == 0 ? gettid() : -1);
    done_future.wait();
  });
  const pid_t worker_tid = tid_promise.get_future().get();
  Result<ContextSnapshot> s = CollectContext();
  done.set_value();
  worker.join();
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_NE(worker_tid, -1) << "could not set SCHED_BATCH nice 3 on a thread";

  const auto me = s->threads.find(gettid());
  ASSERT_NE(me, s->threads.end());
  EXPECT_EQ(me->second.tgid, getpid());
  EXPECT_EQ(me->second.policy, sched_getscheduler(0));
  EXPECT_EQ(me->second.nice, getpriority(PRIO_PROCESS, 0));
  EXPECT_FALSE(me->second.kernel_thread);
  EXPECT_FALSE(me->second.allowed_cpus.empty());

  const auto w = s->threads.find(worker_tid);
  ASSERT_NE(w, s->threads.end());
  EXPECT_EQ(w->second.policy, SCHED_BATCH);
  EXPECT_EQ(w->second.nice, 3);
  EXPECT_EQ(w->second.process, me->second.process);

  const auto kthreadd = s->threads.find(2);
  if (kthreadd != s->threads.end()) {
    EXPECT_TRUE(kthreadd->second.kernel_thread);
  }
  EXPECT_GT(s->cpus, 0);
  EXPECT_FALSE(s->kernel_release.empty());
}

}  // namespace
}  // namespace kstarve
