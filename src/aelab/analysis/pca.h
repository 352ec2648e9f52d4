#pragma once
// Principal component analysis through LibTorch's SVD of the centered data.
#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "aelab/analysis/matrix.h"

namespace aelab::analysis {

struct PcaResult {
  torch::Tensor components;   // [k, d]: unit principal axes, strongest first
  torch::Tensor mean;         // [d]: subtracted before projecting
  torch::Tensor projected;    // [n, k]: (x - mean) @ components^T
  std::vector<double> explained_variance_ratio;  // k values, descending, sum <= 1
};

// PCA of the rows of x ([n, d], floating point, any device). Computed in double on the CPU and
// returned in x's dtype on x's device. Each component's sign makes its largest loading positive,
// so results are reproducible. Needs n >= 2, 1 <= k <= min(n, d) and finite values.
PcaResult pca(const torch::Tensor& x, int64_t k);

// Conversions between the torch-free Matrix and a 2-D tensor.
Matrix to_matrix(const torch::Tensor& x);
torch::Tensor to_tensor(const Matrix& m);  // float64 [rows, cols]

}  // namespace aelab::analysis
