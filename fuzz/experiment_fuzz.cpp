// Experiment files: config::Document::parse, then train::resolve_experiment (every section read
// into typed options, unknown keys refused, derived defaults filled in). A resolved experiment
// must read back to itself: a run folder stores it to be repeated, so failing to read it again
// is a finding too. The input is the TOML text.
#include <cstdio>

#include "aelab/config/document.h"
#include "aelab/core/error.h"
#include "aelab/train/experiment.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string resolved;
  try {
    auto doc = aelab::config::Document::parse(aelab::fuzz::as_view(data, size), "exp.toml");
    resolved = aelab::train::resolve_experiment(std::move(doc)).resolved_toml();
  } catch (const aelab::Error&) {
    return 0;
  }
  try {
    auto again = aelab::train::resolve_experiment(
        aelab::config::Document::parse(resolved, "experiment.toml"));
    if (again.resolved_toml() != resolved) {
      std::fprintf(stderr, "resolved experiment changes when read back:\n%s\n---\n%s\n",
                   resolved.c_str(), again.resolved_toml().c_str());
      __builtin_trap();
    }
  } catch (const aelab::Error& e) {
    std::fprintf(stderr, "resolved experiment does not read back: %s\n%s\n", e.what(),
                 resolved.c_str());
    __builtin_trap();
  }
  return 0;
}
