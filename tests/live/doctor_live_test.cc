// `kstarve doctor` on the live machine, during the brief's two starved fio
// cases (scripts/lib/fio-cases.sh: libaio 4 KiB randwrite, iodepth 128,
// batch 128, pinned to CPU 1). Skips, saying why, without root, tracefs or
// fio. Every case is bounded and restores what it changed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "live_util.h"

namespace kstarve::live {
namespace {

using nlohmann::json;

const std::string kFioCases = std::string(KSTARVE_SOURCE_DIR) + "/scripts/lib/fio-cases.sh";
const std::string kKstarve = KSTARVE_BINARY;

// Starts a fio case and stops it (restoring cgroups and kworkers) on scope exit.
class FioCase {
 public:
  FioCase(const std::string& name, int seconds) {
    started_ = Shell(kFioCases + " start " + name + " " + std::to_string(seconds), &pid_) == 0;
  }
  ~FioCase() { Shell(kFioCases + " stop >/dev/null 2>&1"); }
  bool started() const { return started_; }

 private:
  bool started_ = false;
  std::string pid_;
};

// The doctor's finding for a kworker of CPU 1 that names fio first.
const json* KworkerBehindFio(const json& report) {
  for (const json& f : report["findings"]) {
    const std::string victim = f["victim"]["comm"];
    if (!victim.starts_with("kworker/1:")) continue;
    if (!f["antagonists"].empty() && f["antagonists"][0]["comm"] == "fio") return &f;
  }
  return nullptr;
}

json Doctor(int seconds) {
  std::string out;
  int rc = Shell(kKstarve + " doctor -d " + std::to_string(seconds) + " --format json 2>/dev/null", &out);
  EXPECT_EQ(rc, 0) << out;
  try {
    return json::parse(out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "doctor printed no JSON: " << e.what() << "\n" << out.substr(0, 2000);
    return json::object();
  }
}

class DoctorLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why = WhyNotLive(true);
    if (!why.empty()) {
      GTEST_SKIP() << why;
    }
    before_ = TracefsState();
  }
  void TearDown() override {
    if (!before_.empty()) {
      EXPECT_EQ(TracefsState(), before_) << "tracefs state changed";
    }
  }
  std::map<std::string, std::string> before_;
};

TEST_F(DoctorLiveTest, CgroupWeightCaseNamesFioItsCgroupAndWeight) {
  FioCase fio("cgroup", 10);
  ASSERT_TRUE(fio.started()) << kFioCases << " start cgroup failed";
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  json r = Doctor(5);
  const json* f = KworkerBehindFio(r);
  ASSERT_NE(f, nullptr) << r["findings"].dump(2).substr(0, 3000);
  EXPECT_EQ((*f)["kind"], "chronic-delay");
  const json& a = (*f)["antagonists"][0];
  ASSERT_TRUE(a.contains("cgroup")) << a.dump();
  EXPECT_NE(a["cgroup"], "/");
  EXPECT_TRUE(a.contains("cpu_shares") || a.contains("cpu_weight")) << a.dump();
  const std::string why = (*f).value("why", "");
  EXPECT_NE(why.find(a["cgroup"].get<std::string>()), std::string::npos) << why;
  ASSERT_TRUE(r.contains("verdict"));
  EXPECT_FALSE(r["verdict"]["starved"].empty());
}

TEST_F(DoctorLiveTest, FifoCaseNamesFiosPolicyAndPriority) {
  FioCase fio("fifo", 10);
  ASSERT_TRUE(fio.started()) << kFioCases << " start fifo failed";
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  json r = Doctor(5);
  const json* f = KworkerBehindFio(r);
  ASSERT_NE(f, nullptr) << r["findings"].dump(2).substr(0, 3000);
  EXPECT_EQ((*f)["cause"], "rt-preemption");
  const json& a = (*f)["antagonists"][0];
  EXPECT_EQ(a.value("policy", ""), "fifo") << a.dump();
  EXPECT_EQ(a.value("rt_priority", 0), 10) << a.dump();
  EXPECT_NE((*f).value("why", "").find("SCHED_FIFO 10"), std::string::npos);
}

TEST(DoctorPrerequisites, WithoutRootItSaysWhatIsMissing) {
  if (geteuid() != 0) {
    std::string out;
    int rc = Shell(kKstarve + " doctor -d 1 2>&1", &out);
    EXPECT_EQ(rc, 1);
    EXPECT_NE(out.find("root"), std::string::npos) << out;
    return;
  }
  // As root: drop to nobody for one run (setpriv from util-linux).
  if (Shell("command -v setpriv >/dev/null 2>&1") != 0) GTEST_SKIP() << "setpriv is not installed";
  std::string out;
  int rc = Shell("setpriv --reuid=65534 --regid=65534 --clear-groups " + kKstarve + " doctor -d 1 2>&1", &out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("missing"), std::string::npos) << out;
  EXPECT_NE(out.find("root"), std::string::npos) << out;
}

}  // namespace
}  // namespace kstarve::live
