#pragma once
// The two classic readings of what a frozen encoder's codes hold, next to a fine-tuned
// classifier: a linear probe (multinomial logistic regression on standardized codes, L2
// regularized, full-batch L-BFGS) and a k-nearest-neighbour vote (Euclidean distance on the raw
// codes). Both see the same labelled images as the classifier: they are fitted on the training
// draw, and the validation draw picks the L2 strength / k from a small grid (without validation
// images a fixed middle value is used). Deterministic for the same inputs.
#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace aelab::train {

// Codes (float [N, D]) and their labels (int64 [N]), on the CPU.
struct LabelledCodes {
  at::Tensor codes, labels;
  int64_t size() const { return codes.defined() ? codes.size(0) : 0; }
};

struct ProbeOutcome {
  double test_accuracy = 0;
  double val_accuracy = 0;  // of the chosen setting; NaN without validation images
  double setting = 0;       // the L2 strength, or k
};

// The grids searched on the validation draw, and the settings used without one.
const std::vector<double>& linear_probe_l2_grid();   // 1e-5 ... 1 (per image, mean loss)
constexpr double kLinearProbeDefaultL2 = 1e-3;
const std::vector<int64_t>& knn_k_grid();            // 1, 3, 5, 10, 20 (those <= train images)
constexpr int64_t kKnnDefaultK = 5;

ProbeOutcome linear_probe(const LabelledCodes& train, const LabelledCodes& val,
                          const LabelledCodes& test, int64_t classes);
ProbeOutcome knn_probe(const LabelledCodes& train, const LabelledCodes& val,
                       const LabelledCodes& test, int64_t classes);

// Predicted classes of `queries` by a k-NN vote over `train`: the class most frequent among the
// k nearest, ties broken towards the class whose members are nearer.
at::Tensor knn_predict(const LabelledCodes& train, const at::Tensor& queries, int64_t k,
                       int64_t classes);

}  // namespace aelab::train
