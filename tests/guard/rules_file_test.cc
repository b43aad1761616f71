// LoadRulesFile refuses files that someone other than root could change.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "rules_test_util.h"

namespace kstarve::guard::testing {
namespace {

using ::testing::HasSubstr;

const char kRules[] =
    "[[rule]]\nname = \"dio\"\nmatch = { comm = \"kworker/*\", workqueue = \"dio/*\" }\naction = { nice = -20 }\n";

class RulesFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kstarve-rules-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/rules.toml";
    std::ofstream(path_) << kRules;
    ASSERT_EQ(chmod(path_.c_str(), 0644), 0);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_, path_;
};

TEST_F(RulesFile, RootOwnedAndNotGroupWritableLoads) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root: the file must be owned by root";
  Result<RuleSet> r = LoadRulesFile(path_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->file, path_);
  ASSERT_EQ(r->rules.size(), 1u);
  EXPECT_EQ(r->rules[0].name, "dio");
}

TEST_F(RulesFile, GroupOrOtherWritableIsRefused) {
  for (mode_t mode : {0664, 0646, 0666}) {
    ASSERT_EQ(chmod(path_.c_str(), mode), 0);
    Result<RuleSet> r = LoadRulesFile(path_);
    ASSERT_FALSE(r.ok());
    char octal[8];
    snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    EXPECT_THAT(r.status().message(), HasSubstr(path_ + ": unsafe rules file"));
    EXPECT_THAT(r.status().message(), HasSubstr(std::string("mode ") + octal));
    EXPECT_THAT(r.status().message(), HasSubstr("must not be writable by group or others"));
  }
}

TEST_F(RulesFile, NotOwnedByRootIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give the file away (chown)";
  ASSERT_EQ(chown(path_.c_str(), 1000, 1000), 0);
  Result<RuleSet> r = LoadRulesFile(path_);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(path_ + ": unsafe rules file: owner uid 1000, mode 0644"));
  EXPECT_THAT(r.status().message(), HasSubstr("must be owned by root"));
}

TEST_F(RulesFile, SymlinkIsJudgedByTheFileItLeadsTo) {
  std::string link = dir_ + "/link.toml";
  ASSERT_EQ(symlink(path_.c_str(), link.c_str()), 0);
  ASSERT_EQ(chmod(path_.c_str(), 0666), 0);
  Result<RuleSet> r = LoadRulesFile(link);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(link + ": unsafe rules file"));
  EXPECT_THAT(r.status().message(), HasSubstr("mode 0666"));
}

TEST_F(RulesFile, MissingFileAndDirectory) {
  Result<RuleSet> missing = LoadRulesFile(dir_ + "/nope.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr(dir_ + "/nope.toml: cannot open rules file"));
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  Result<RuleSet> directory = LoadRulesFile(dir_);
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(directory.status().message(), HasSubstr("not a regular file"));
}

TEST_F(RulesFile, ParseErrorsNameThePath) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root: the file must be owned by root";
  std::ofstream(path_) << "[[rule]]\nname = \"r\"\nmatch = { comm = \"x\" }\naction = { nice = 99 }\n";
  Result<RuleSet> r = LoadRulesFile(path_);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(path_ + ":4: key 'action.nice'"));
}

}  // namespace
}  // namespace kstarve::guard::testing
