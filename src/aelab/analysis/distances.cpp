#include "aelab/analysis/distances.h"

#include <algorithm>
#include <type_traits>

#include "aelab/analysis/vector_clones.h"

namespace aelab::analysis {

namespace {

// acc[q][j] += queries[q][t] * block[t][j] over t: the vectorized core. `Q` fixed at compile time
// keeps the accumulators in registers/L1.
template <typename T, int Q>
AELAB_ALWAYS_INLINE inline void accumulate_dots(const T* const* queries, const T* block, int64_t cols, T* acc) {
  constexpr int B = DistanceKernel<T>::kBlock;
  for (int q = 0; q < Q; ++q) std::fill(acc + q * B, acc + (q + 1) * B, T(0));
  for (int64_t t = 0; t < cols; ++t) {
    const T* r = block + t * B;
    for (int q = 0; q < Q; ++q) {
      const T a = queries[q][t];
      T* out = acc + q * B;
      for (int j = 0; j < B; ++j) out[j] += a * r[j];
    }
  }
}

}  // namespace

template <typename T>
DistanceKernel<T>::DistanceKernel(const Matrix& reference)
    : rows_(reference.rows), cols_(reference.cols) {
  blocks_ = (rows_ + kBlock - 1) / kBlock;
  transposed_.assign(static_cast<size_t>(blocks_ * cols_ * kBlock), T(0));
  norms_.assign(static_cast<size_t>(rows_), T(0));
  for (int64_t i = 0; i < rows_; ++i) {
    const double* row = reference.row(i);
    T* block = transposed_.data() + (i / kBlock) * cols_ * kBlock;
    double norm = 0;
    for (int64_t t = 0; t < cols_; ++t) {
      block[t * kBlock + i % kBlock] = static_cast<T>(row[t]);
      norm += row[t] * row[t];
    }
    norms_[static_cast<size_t>(i)] = static_cast<T>(norm);
  }
}

namespace {

// The body of DistanceKernel::distances on raw arrays, inlined into one copy per instruction set.
template <typename T>
AELAB_ALWAYS_INLINE inline void block_distances(const T* transposed, const T* norms, int64_t rows,
                                                int64_t cols, const T* const* queries, int count,
                                                T* out) {
  constexpr int B = DistanceKernel<T>::kBlock;
  T qnorm[DistanceKernel<T>::kMaxQueries];
  for (int q = 0; q < count; ++q) {
    double s = 0;
    for (int64_t t = 0; t < cols; ++t) s += double(queries[q][t]) * double(queries[q][t]);
    qnorm[q] = static_cast<T>(s);
  }
  alignas(64) T acc[DistanceKernel<T>::kMaxQueries * B];
  const int64_t blocks = (rows + B - 1) / B;
  for (int64_t b = 0; b < blocks; ++b) {
    const T* block = transposed + b * cols * B;
    switch (count) {
      case 8: accumulate_dots<T, 8>(queries, block, cols, acc); break;
      case 4: accumulate_dots<T, 4>(queries, block, cols, acc); break;
      default:
        for (int q = 0; q < count; ++q) accumulate_dots<T, 1>(queries + q, block, cols, acc + q * B);
    }
    const int64_t first = b * B;
    const int n = static_cast<int>(std::min<int64_t>(B, rows - first));
    for (int q = 0; q < count; ++q) {
      T* dst = out + q * rows + first;
      const T* dots = acc + q * B;
      for (int j = 0; j < n; ++j) {
        const T d = qnorm[q] + norms[first + j] - T(2) * dots[j];
        dst[j] = d > T(0) ? d : T(0);
      }
    }
  }
}

AELAB_VECTOR_CLONES void block_distances_float(const float* transposed, const float* norms,
                                               int64_t rows, int64_t cols,
                                               const float* const* queries, int count, float* out) {
  block_distances<float>(transposed, norms, rows, cols, queries, count, out);
}

AELAB_VECTOR_CLONES void block_distances_double(const double* transposed, const double* norms,
                                                int64_t rows, int64_t cols,
                                                const double* const* queries, int count,
                                                double* out) {
  block_distances<double>(transposed, norms, rows, cols, queries, count, out);
}

}  // namespace

template <typename T>
void DistanceKernel<T>::distances(const T* const* queries, int count, T* out) const {
  if constexpr (std::is_same_v<T, float>) {
    block_distances_float(transposed_.data(), norms_.data(), rows_, cols_, queries, count, out);
  } else {
    block_distances_double(transposed_.data(), norms_.data(), rows_, cols_, queries, count, out);
  }
}

template class DistanceKernel<float>;
template class DistanceKernel<double>;

}  // namespace aelab::analysis
