// `guard --check`: validates, explains each rule, and lists the threads of a
// (fake) host that each rule would change now.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "guard/check.h"
#include "rules_test_util.h"

namespace kstarve::guard::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class FakeHost : public Host {
 public:
  std::vector<ThreadInfo> threads;
  int set_calls = 0;
  std::vector<ThreadInfo> ListThreads() override { return threads; }
  Result<ThreadInfo> ReadThread(int32_t pid) override {
    for (const ThreadInfo& t : threads) {
      if (t.id.pid == pid) return t;
    }
    return Status::Error("no thread " + std::to_string(pid));
  }
  Status SetAttrs(const ThreadId&, const SchedAttrs&) override {
    ++set_calls;
    return Status::Error("--check must not change anything");
  }
  int64_t NowNs() override { return 0; }
};

class GuardCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: --check, like the daemon, wants a root-owned rules file";
    char tmpl[] = "/tmp/kstarve-check-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/rules.toml";
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  int Check(const std::string& text, bool force, Host* host) {
    std::ofstream(path_) << text;
    EXPECT_EQ(chmod(path_.c_str(), 0600), 0);
    out_.str("");
    err_.str("");
    return RunGuardCheck(path_, force, host, out_, err_);
  }
  std::string dir_, path_;
  std::ostringstream out_, err_;
};

const char kTwoRules[] =
    "[[rule]]\nname = \"dio kworkers\"\nmatch = { comm = \"kworker/*\", workqueue = \"dio/*\" }\n"
    "action = { nice = -20 }\n"
    "[[rule]]\nname = \"cpu1 kthreads\"\nmatch = { kernel_thread = true, cpus = [1] }\n"
    "action = { policy = \"rr\", priority = 10 }\n";

TEST_F(GuardCheck, ExplainsRulesAndTheThreadsTheyChangeNow) {
  FakeHost host;
  host.threads = {Kworker(12, "kworker/1:2-dio/vda", 1, "dio/vda"), KernelThread(22, "ksoftirqd/1", 1),
                  KernelThread(15, "ksoftirqd/0", 0), UserThread(300, "fio", "fio", Fair(0))};
  ASSERT_EQ(Check(kTwoRules, false, &host), 0) << err_.str();
  std::string out = out_.str();
  EXPECT_THAT(out, HasSubstr(path_ + ": valid, 2 rules"));
  EXPECT_THAT(out, HasSubstr("rule 1 'dio kworkers' (line 1)"));
  EXPECT_THAT(out, HasSubstr("matches: threads named like 'kworker/*', serving a workqueue like 'dio/*'"));
  EXPECT_THAT(out, HasSubstr("pid 12 kworker/1:2-dio/vda: other nice 0 cpus 1 -> other nice -20 cpus 1"));
  EXPECT_THAT(out, HasSubstr("rule 2 'cpu1 kthreads' (line 5)"));
  EXPECT_THAT(out, HasSubstr("sets:    policy rr priority 10"));
  EXPECT_THAT(out, HasSubstr("pid 22 ksoftirqd/1: other nice 0 cpus 1 -> rr 10 cpus 1"));
  // The dio kworker is on CPU 1 too, but rule 1 takes it first.
  EXPECT_THAT(out, HasSubstr("also matches 1 thread(s) an earlier rule takes"));
  EXPECT_THAT(out, Not(HasSubstr("ksoftirqd/0")));
  EXPECT_THAT(out, Not(HasSubstr("fio")));
  EXPECT_EQ(host.set_calls, 0);
}

TEST_F(GuardCheck, WithoutAHostOnlyExplains) {
  ASSERT_EQ(Check(kTwoRules, false, nullptr), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("rule 2 'cpu1 kthreads'"));
  EXPECT_THAT(out_.str(), Not(HasSubstr("on this host")));
}

TEST_F(GuardCheck, RuleWithNoThreadYet) {
  FakeHost host;
  ASSERT_EQ(Check(kTwoRules, false, &host), 0);
  EXPECT_THAT(out_.str(), HasSubstr("on this host now: no thread (the rule applies when one appears)"));
}

TEST_F(GuardCheck, InvalidFileExitsOneWithErrors) {
  FakeHost host;
  EXPECT_EQ(Check("[[rule]]\nname = \"r\"\nmatch = { comm = \"*\" }\naction = { nice = -20 }\n", false, &host), 1);
  EXPECT_THAT(err_.str(), HasSubstr(path_ + ":3: key 'match': matches every thread"));
  EXPECT_THAT(err_.str(), HasSubstr(path_ + ": refused"));
  EXPECT_EQ(out_.str(), "");
  // --force lets it through, with a warning.
  EXPECT_EQ(Check("[[rule]]\nname = \"r\"\nmatch = { comm = \"*\" }\naction = { nice = -20 }\n", true, &host), 0);
  EXPECT_THAT(err_.str(), HasSubstr("warning: " + path_ + ":3: key 'match'"));
}

TEST_F(GuardCheck, UnsafeModeExitsOne) {
  std::ofstream(path_) << kTwoRules;
  ASSERT_EQ(chmod(path_.c_str(), 0666), 0);
  EXPECT_EQ(RunGuardCheck(path_, false, nullptr, out_, err_), 1);
  EXPECT_THAT(err_.str(), HasSubstr("mode 0666"));
}

}  // namespace
}  // namespace kstarve::guard::testing
