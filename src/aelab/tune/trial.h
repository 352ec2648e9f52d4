#pragma once
// The study vocabulary (distributions, TrialState, Direction, FrozenTrial) lives in study/, below
// storage and tune; tune code uses it under its aelab::tune names.
#include "aelab/study/trial.h"

namespace aelab::tune {

using study::CategoricalDistribution;
using study::Choice;
using study::Direction;
using study::Distribution;
using study::FloatDistribution;
using study::FrozenTrial;
using study::IntDistribution;
using study::TrialState;
using study::is_interrupted_failure;
using study::kFailReasonAttr;
using study::kInterruptedReason;
using study::kWorkerHostAttr;
using study::kWorkerPidAttr;
using study::kWorkerPidNamespaceAttr;

}  // namespace aelab::tune
