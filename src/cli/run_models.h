#pragma once
// The dashboard's model service (serve/model_service.h) over run folders: a run's model and test
// split, loaded on first use and kept for the next request. `aelab serve` decodes pictures with
// it; `aelab report` asks it only for model summaries and class names. serve/ is torch-free, so
// this lives with the commands that plug train/ and analysis/ into it.
#include <memory>

#include "aelab/serve/model_service.h"
#include "commands.h"

namespace aelab::cli {

std::unique_ptr<serve::ModelService> make_run_models(const GlobalOptions& global);

}  // namespace aelab::cli
