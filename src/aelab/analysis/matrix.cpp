#include "aelab/analysis/matrix.h"

#include <cmath>

#include "aelab/core/error.h"

namespace aelab::analysis {

Matrix::Matrix(int64_t rows_, int64_t cols_, double fill)
    : rows(rows_), cols(cols_), data(static_cast<size_t>(rows_ * cols_), fill) {
  AELAB_CHECK(rows_ >= 0 && cols_ >= 0, "matrix shape must be non-negative, got ", rows_, "x",
              cols_);
}

Matrix::Matrix(int64_t rows_, int64_t cols_, std::vector<double> values)
    : rows(rows_), cols(cols_), data(std::move(values)) {
  AELAB_CHECK(rows_ >= 0 && cols_ >= 0 && static_cast<int64_t>(data.size()) == rows_ * cols_,
              "matrix of shape ", rows_, "x", cols_, " needs ", rows_ * cols_, " values, got ",
              data.size());
}

void check_finite_matrix(const Matrix& m, const std::string& what, int64_t min_rows) {
  AELAB_CHECK(m.rows >= 0 && m.cols >= 1 && static_cast<int64_t>(m.data.size()) == m.rows * m.cols,
              what, ": inconsistent matrix of shape ", m.rows, "x", m.cols, " holding ",
              m.data.size(), " values");
  AELAB_CHECK(m.rows >= min_rows, what, ": needs at least ", min_rows, " rows (points), got ",
              m.rows);
  for (size_t k = 0; k < m.data.size(); ++k) {
    if (!std::isfinite(m.data[k])) {
      const int64_t cols = m.cols;
      AELAB_FAIL(what, ": value at row ", static_cast<int64_t>(k) / cols, ", column ",
                 static_cast<int64_t>(k) % cols, " is ", m.data[k], " (expected a finite number)");
    }
  }
}

}  // namespace aelab::analysis
