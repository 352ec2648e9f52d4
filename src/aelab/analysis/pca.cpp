#include "aelab/analysis/pca.h"

#include <ATen/ATen.h>

#include "aelab/core/error.h"

namespace aelab::analysis {

PcaResult pca(const torch::Tensor& x, int64_t k) {
  AELAB_CHECK(x.defined() && x.dim() == 2, "PCA: expected a 2-D [n, d] tensor, got ",
              x.defined() ? x.dim() : 0, " dimensions");
  AELAB_CHECK(x.is_floating_point(), "PCA: expected a floating-point tensor, got ", x.scalar_type());
  const int64_t n = x.size(0), d = x.size(1);
  AELAB_CHECK(n >= 2, "PCA: needs at least 2 rows (points), got ", n);
  AELAB_CHECK(k >= 1 && k <= std::min(n, d), "PCA: cannot take ", k, " components of ", n, "x", d,
              " data (needs 1 <= k <= ", std::min(n, d), ")");
  const torch::Tensor data = x.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  AELAB_CHECK(torch::isfinite(data).all().item<bool>(), "PCA: input contains NaN or infinite values");

  const torch::Tensor mean = data.mean(0);
  const torch::Tensor centered = data - mean;
  // Thin SVD: centered = U S Vh; the rows of Vh are the principal axes.
  auto [u, s, vh] = at::linalg_svd(centered, /*full_matrices=*/false);
  torch::Tensor components = vh.slice(0, 0, k).clone();
  // Deterministic signs: the largest-magnitude loading of each axis is positive.
  const torch::Tensor pivot = components.abs().argmax(1);
  const torch::Tensor signs = components.gather(1, pivot.unsqueeze(1)).sign();
  components = components * torch::where(signs == 0, torch::ones_like(signs), signs);

  const torch::Tensor variance = s * s;
  const double total = variance.sum().item<double>();
  PcaResult result;
  result.explained_variance_ratio.resize(static_cast<size_t>(k));
  for (int64_t r = 0; r < k; ++r) {
    result.explained_variance_ratio[static_cast<size_t>(r)] =
        total > 0 ? variance[r].item<double>() / total : 0.0;
  }
  const auto options = x.options().requires_grad(false);
  result.projected = centered.matmul(components.t()).to(options);
  result.components = components.to(options);
  result.mean = mean.to(options);
  return result;
}

Matrix to_matrix(const torch::Tensor& x) {
  AELAB_CHECK(x.defined() && x.dim() == 2, "expected a 2-D tensor to convert to a matrix, got ",
              x.defined() ? x.dim() : 0, " dimensions");
  const torch::Tensor data = x.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  const double* p = data.data_ptr<double>();
  return Matrix(x.size(0), x.size(1), std::vector<double>(p, p + data.numel()));
}

torch::Tensor to_tensor(const Matrix& m) {
  AELAB_CHECK(static_cast<int64_t>(m.data.size()) == m.rows * m.cols, "matrix of shape ", m.rows,
              "x", m.cols, " holds ", m.data.size(), " values");
  return torch::from_blob(const_cast<double*>(m.data.data()), {m.rows, m.cols}, torch::kFloat64).clone();
}

}  // namespace aelab::analysis
