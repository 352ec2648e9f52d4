// The load-time OpenMP re-exec (device.h, reexec_with_openmp_wait_policy_at_load): called in a
// forked child with a chosen environment, it re-executes this very test binary with
// OMP_WAIT_POLICY=PASSIVE added, and leaves a user's own policy alone (no exec at all). The
// re-executed binary runs only the probe below, which writes the policy it was started with.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "aelab/train/device.h"
#include "test_paths.h"

namespace {

constexpr const char* kProbeOut = "AELAB_TEST_POLICY_PROBE_OUT";
constexpr int kNoExec = 7;  // the child's exit status when the function returned

struct Outcome {
  int exit_status = -1;
  std::string policy;  // what the re-executed probe saw; empty when it did not run
};

// Forks; the child calls the function with `environment` (plus the probe's output file) and
// exits with kNoExec if it returns. Everything the child touches is built before the fork.
Outcome run_with(std::vector<std::string> environment, const std::string& name) {
  const auto out = aelab::testing::temp_dir("openmp-policy") / (name + ".txt");
  environment.push_back(std::string(kProbeOut) + "=" + out.string());
  std::vector<char*> envp;
  for (auto& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string self = "test_train", filter = "--gtest_filter=OpenmpWaitPolicyProbe.*";
  std::vector<char*> argv = {self.data(), filter.data(), nullptr};
  const pid_t pid = fork();
  if (pid == 0) {
    aelab::train::reexec_with_openmp_wait_policy_at_load(2, argv.data(), envp.data());
    _exit(kNoExec);
  }
  Outcome outcome;
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  if (WIFEXITED(status)) outcome.exit_status = WEXITSTATUS(status);
  std::ifstream in(out);
  outcome.policy.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return outcome;
}

}  // namespace

TEST(OpenmpWaitPolicyProbe, WritesThePolicyItStartedWith) {
  const char* out = std::getenv(kProbeOut);
  if (out == nullptr) GTEST_SKIP() << "only run re-executed by OpenmpWaitPolicy.*";
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  std::ofstream(out) << (policy ? policy : "(unset)");
}

TEST(OpenmpWaitPolicy, ReexecutesWithPassiveWhenNeitherVariableIsSet) {
  const auto outcome = run_with({"PATH=/usr/bin:/bin", "LANG=C"}, "unset");
  EXPECT_EQ(outcome.exit_status, 0);
  EXPECT_EQ(outcome.policy, "PASSIVE");
}

TEST(OpenmpWaitPolicy, LeavesTheUsersPolicyOrSpinCountAlone) {
  for (const char* own : {"OMP_WAIT_POLICY=ACTIVE", "GOMP_SPINCOUNT=1000"}) {
    SCOPED_TRACE(own);
    const auto outcome = run_with({"PATH=/usr/bin:/bin", own}, own[0] == 'O' ? "policy" : "spins");
    EXPECT_EQ(outcome.exit_status, kNoExec) << "it re-executed";
    EXPECT_EQ(outcome.policy, "");
  }
}
