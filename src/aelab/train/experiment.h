#pragma once
// An experiment file, loaded, overridden from the command line and resolved into typed options.
// The resolved document (with every default written out) is what a run folder stores, so a run
// can always be repeated from its own folder.
#include <filesystem>
#include <string>
#include <vector>

#include "aelab/config/document.h"
#include "aelab/data/options.h"
#include "aelab/models/model_spec.h"
#include "aelab/train/options.h"

namespace aelab::train {

struct Experiment {
  config::Document doc;  // as written, with overrides applied
  data::DataOptions data;
  models::ModelSpec model;
  TrainOptions train;
  TaskOptions task;

  // The document with every resolved option written out.
  std::string resolved_toml() const;
};

// `overrides` are "key=value" strings (--set); each must name a field the schema knows.
Experiment load_experiment(const std::filesystem::path& file,
                           const std::vector<std::string>& overrides = {});
Experiment resolve_experiment(config::Document doc);
// Fills in the defaults that depend on other options (listed in experiment.cpp); called by
// resolve_experiment, the one place where they are resolved.
void resolve_defaults(Experiment& experiment);

// Applies "key=value" to a document; the error names the bad override.
void apply_override(config::Document& doc, const std::string& assignment);

}  // namespace aelab::train
