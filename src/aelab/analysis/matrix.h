#pragma once
// A dense row-major matrix of doubles: the exchange format of the torch-free analysis code
// (t-SNE, neighbour search, embedding quality). Points are rows.
#include <cstdint>
#include <string>
#include <vector>

namespace aelab::analysis {

struct Matrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<double> data;  // rows * cols values, row after row

  Matrix() = default;
  Matrix(int64_t rows, int64_t cols, double fill = 0.0);
  Matrix(int64_t rows, int64_t cols, std::vector<double> values);

  double at(int64_t i, int64_t j) const { return data[static_cast<size_t>(i * cols + j)]; }
  double& at(int64_t i, int64_t j) { return data[static_cast<size_t>(i * cols + j)]; }
  const double* row(int64_t i) const { return data.data() + i * cols; }
  double* row(int64_t i) { return data.data() + i * cols; }
};

// Throws aelab::Error naming `what` when the shape is inconsistent, there are fewer than
// `min_rows` rows, or a value is NaN or infinite.
void check_finite_matrix(const Matrix& m, const std::string& what, int64_t min_rows = 1);

}  // namespace aelab::analysis
