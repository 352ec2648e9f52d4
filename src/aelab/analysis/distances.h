#pragma once
// Squared Euclidean distances from groups of query rows to every row of a reference set, computed
// as |q|^2 + |r|^2 - 2 q.r with the reference stored transposed in blocks so that the inner loop
// runs over reference points (vectorizes without reassociating sums). This is the one hot loop of
// the exact neighbour search and of trustworthiness.
#include <cstdint>
#include <vector>

#include "aelab/analysis/matrix.h"

namespace aelab::analysis {

template <typename T>
class DistanceKernel {
 public:
  static constexpr int kBlock = 64;        // reference points per transposed block
  static constexpr int kMaxQueries = 8;    // query rows handled per pass over the reference

  explicit DistanceKernel(const Matrix& reference);

  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }

  // For `count` (<= kMaxQueries) query rows of cols() values each, writes the squared distances
  // to all reference rows into out[q * rows() + j]. Values are clamped at 0.
  void distances(const T* const* queries, int count, T* out) const;

 private:
  int64_t rows_ = 0;
  int64_t cols_ = 0;
  int64_t blocks_ = 0;
  std::vector<T> transposed_;  // block b: cols_ x kBlock values, padded with zeros
  std::vector<T> norms_;       // |r|^2 per reference row
};

extern template class DistanceKernel<float>;
extern template class DistanceKernel<double>;

}  // namespace aelab::analysis
