#include "aelab/analysis/fft_repulsion.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>

#include "aelab/analysis/parallel.h"
#include "aelab/core/error.h"

#ifdef AELAB_HAVE_FFTW
#include <fftw3.h>
#endif

namespace aelab::analysis {

#ifdef AELAB_HAVE_FFTW

namespace {

constexpr int kCharges = 4;  // 1, y1, y2, |y|^2
constexpr int kMaxNodesPerBox = 8;

// True when n has no prime factor above 7: the sizes FFTW transforms fastest.
bool smooth(int64_t n) {
  for (int f : {2, 3, 5, 7}) {
    while (n % f == 0) n /= f;
  }
  return n == 1;
}

// Lagrange weights of the p nodes at (k + 1/2) / p of a box, at local coordinate u in [0, 1].
void lagrange_weights(double u, int p, const double* denominators, double* w) {
  for (int k = 0; k < p; ++k) {
    double num = 1;
    for (int l = 0; l < p; ++l) {
      if (l != k) num *= u - (l + 0.5) / p;
    }
    w[k] = num / denominators[k];
  }
}

}  // namespace

bool fft_repulsion_available() { return true; }

// FFTW's planner is not thread-safe (execution is): plans are made under this lock.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

// The buffers and plans for one grid size S = 2 B p (the circulant embedding of the B p x B p
// Toeplitz product), in single precision: the transforms are most of the cost, and float is
// twice as fast with errors far below the interpolation's (tests/unit/analysis/tsne_scale_test).
// Only the first m = S/2 rows and columns of a charge grid are non-zero, and only those of the
// result are read, so the 2-D transforms are done as 1-D passes that skip the zero rows:
// forward = r2c along rows (m of S rows) then c2c along columns; inverse the other way round.
struct FftRepulsion::Fft {
  explicit Fft(int size)
      : size(size), half(size / 2 + 1), rows(size / 2),
        spectrum(static_cast<size_t>(size) * (size / 2 + 1)) {
    const size_t reals = static_cast<size_t>(rows) * size;
    for (int c = 0; c < kCharges; ++c) {
      real[c] = fftwf_alloc_real(reals);
      hat[c] = fftwf_alloc_complex(spectrum);
      AELAB_CHECK(real[c] != nullptr && hat[c] != nullptr, "t-SNE (FFT): cannot allocate a ",
                  size, " x ", size, " grid");
    }
    kernel = fftwf_alloc_real(static_cast<size_t>(size) * size);
    kernel_hat = fftwf_alloc_complex(spectrum);
    AELAB_CHECK(kernel != nullptr && kernel_hat != nullptr, "t-SNE (FFT): cannot allocate a ",
                size, " x ", size, " kernel");
    std::lock_guard<std::mutex> lock(planner_mutex());
    // FFTW_ESTIMATE plans without touching the arrays; the new-array execute functions then run
    // the same plan on every channel's buffers (all from fftw_alloc: the alignment matches).
    const int n[1] = {size};
    rows_forward = fftwf_plan_many_dft_r2c(1, n, rows, real[0], nullptr, 1, size, hat[0], nullptr,
                                           1, half, FFTW_ESTIMATE);
    cols_forward = fftwf_plan_many_dft(1, n, half, hat[0], nullptr, half, 1, hat[0], nullptr, half,
                                       1, FFTW_FORWARD, FFTW_ESTIMATE);
    cols_backward = fftwf_plan_many_dft(1, n, half, hat[0], nullptr, half, 1, hat[0], nullptr,
                                        half, 1, FFTW_BACKWARD, FFTW_ESTIMATE);
    rows_backward = fftwf_plan_many_dft_c2r(1, n, rows, hat[0], nullptr, 1, half, real[0], nullptr,
                                            1, size, FFTW_ESTIMATE);
    kernel_forward = fftwf_plan_dft_r2c_2d(size, size, kernel, kernel_hat, FFTW_ESTIMATE);
    AELAB_CHECK(rows_forward && cols_forward && cols_backward && rows_backward && kernel_forward,
                "t-SNE (FFT): FFTW could not plan a ", size, " x ", size, " transform");
  }
  ~Fft() {
    std::lock_guard<std::mutex> lock(planner_mutex());
    for (fftwf_plan plan : {rows_forward, cols_forward, cols_backward, rows_backward, kernel_forward}) {
      if (plan != nullptr) fftwf_destroy_plan(plan);
    }
    for (int c = 0; c < kCharges; ++c) {
      fftwf_free(real[c]);
      fftwf_free(hat[c]);
    }
    fftwf_free(kernel);
    fftwf_free(kernel_hat);
  }
  Fft(const Fft&) = delete;
  Fft& operator=(const Fft&) = delete;

  int size, half, rows;
  size_t spectrum;
  float* real[kCharges] = {};         // rows x size: charges in, potentials out
  fftwf_complex* hat[kCharges] = {};  // size x half
  float* kernel = nullptr;            // size x size
  fftwf_complex* kernel_hat = nullptr;
  double kernel_spacing = -1;         // node spacing the kernel spectrum was made for
  fftwf_plan rows_forward = nullptr, cols_forward = nullptr, cols_backward = nullptr,
             rows_backward = nullptr, kernel_forward = nullptr;
};

FftRepulsion::FftRepulsion(FftRepulsionOptions options, int threads)
    : options_(options), threads_(std::max(1, threads)) {
  AELAB_CHECK(options_.nodes_per_box >= 1 && options_.nodes_per_box <= kMaxNodesPerBox,
              "t-SNE (FFT): nodes per box must be in [1, ", kMaxNodesPerBox, "], got ",
              options_.nodes_per_box);
  AELAB_CHECK(options_.min_boxes >= 1, "t-SNE (FFT): min_boxes must be >= 1, got ",
              options_.min_boxes);
  AELAB_CHECK(std::isfinite(options_.boxes_per_unit) && options_.boxes_per_unit > 0,
              "t-SNE (FFT): boxes_per_unit must be > 0, got ", options_.boxes_per_unit);
}

FftRepulsion::~FftRepulsion() = default;

void FftRepulsion::prepare_grid(int boxes, double box_width) {
  const int p = options_.nodes_per_box;
  const int size = 2 * boxes * p;
  if (!fft_ || fft_->size != size) {
    fft_.reset();  // free the old grid before allocating the new one
    fft_ = std::make_unique<Fft>(size);
  }
  boxes_ = boxes;
  const double h = box_width / p;
  if (fft_->kernel_spacing == h) return;  // a map wider than min_boxes keeps its spacing
  fft_->kernel_spacing = h;
  // The kernel at every node offset, wrapped circularly: entry (a, b) holds offset
  // (a or a - S, b or b - S) in node spacings.
  const int m = boxes * p;
  float* kernel = fft_->kernel;
  for (int a = 0; a < size; ++a) {
    const double da = (a < m ? a : a - size) * h;
    for (int b = 0; b < size; ++b) {
      const double db = (b < m ? b : b - size) * h;
      const double w = 1.0 / (1.0 + da * da + db * db);
      kernel[static_cast<size_t>(a) * size + b] = static_cast<float>(w * w);
    }
  }
  fftwf_execute(fft_->kernel_forward);
}

double FftRepulsion::repulsion(const double* y, int64_t n, double* force) {
  AELAB_CHECK(n >= 2, "t-SNE (FFT): needs at least 2 points, got ", n);
  const int p = options_.nodes_per_box;
  double lo = y[0], hi = y[0];
  for (int64_t k = 0; k < 2 * n; ++k) {
    lo = std::min(lo, y[k]);
    hi = std::max(hi, y[k]);
  }
  const double extent = std::max(hi - lo, 1e-9);
  const double wanted = std::ceil(extent * options_.boxes_per_unit);
  AELAB_CHECK(wanted < 20000, "t-SNE (FFT): the map spans ", extent,
              " units, more than the grid can cover (did the optimization diverge?)");
  // A small map is cut into min_boxes boxes (narrower than 1 / boxes_per_unit); a larger one
  // into boxes of exactly 1 / boxes_per_unit, so that the kernel's spectrum is reused from one
  // iteration to the next while the grid size holds. The grid only shrinks when the map has
  // shrunk by a fifth, so it is not re-planned back and forth.
  int boxes;
  double box_width;
  if (wanted <= options_.min_boxes) {
    boxes = options_.min_boxes;
    box_width = extent / boxes;
  } else {
    boxes = static_cast<int>(wanted);
    if (boxes_ >= boxes && boxes >= 0.8 * boxes_) boxes = boxes_;
    box_width = 1.0 / options_.boxes_per_unit;
  }
  while (!smooth(2 * static_cast<int64_t>(boxes) * p)) ++boxes;
  prepare_grid(boxes, box_width);
  Fft& fft = *fft_;
  const int size = fft.size;
  const double center = (lo + hi) / 2;  // charges in centred coordinates: less cancellation in Z

  // Boxes and interpolation weights of every point.
  double denominators[kMaxNodesPerBox];
  for (int k = 0; k < p; ++k) {
    double d = 1;
    for (int l = 0; l < p; ++l) {
      if (l != k) d *= static_cast<double>(k - l) / p;
    }
    denominators[k] = d;
  }
  weights_.resize(static_cast<size_t>(n) * 2 * p);
  box_.resize(static_cast<size_t>(n) * 2);
  parallel_for(n, threads_, [&](int64_t begin, int64_t end, int) {
    for (int64_t i = begin; i < end; ++i) {
      for (int d = 0; d < 2; ++d) {
        const double t = (y[2 * i + d] - lo) / box_width;
        const int b = std::clamp(static_cast<int>(t), 0, boxes - 1);
        box_[static_cast<size_t>(2 * i + d)] = b;
        lagrange_weights(t - b, p, denominators, weights_.data() + (2 * i + d) * p);
      }
    }
  });
  // Points grouped by box column: spreading one column touches grid rows no other column
  // touches, so columns can be spread in parallel without locks.
  column_start_.assign(static_cast<size_t>(boxes) + 1, 0);
  for (int64_t i = 0; i < n; ++i) ++column_start_[static_cast<size_t>(box_[2 * i]) + 1];
  for (int b = 0; b < boxes; ++b) column_start_[b + 1] += column_start_[b];
  by_column_.resize(static_cast<size_t>(n));
  {
    std::vector<int64_t> fill(column_start_.begin(), column_start_.end() - 1);
    for (int64_t i = 0; i < n; ++i) by_column_[static_cast<size_t>(fill[box_[2 * i]]++)] = static_cast<int32_t>(i);
  }

  const size_t reals = static_cast<size_t>(fft.rows) * size;
  parallel_for(kCharges, threads_, [&](int64_t c0, int64_t c1, int) {
    for (int64_t c = c0; c < c1; ++c) std::memset(fft.real[c], 0, reals * sizeof(float));
  });
  parallel_for(boxes, threads_, [&](int64_t b0, int64_t b1, int) {
    for (int64_t col = b0; col < b1; ++col) {
      for (int64_t k = column_start_[col]; k < column_start_[col + 1]; ++k) {
        const int64_t i = by_column_[static_cast<size_t>(k)];
        const double y1 = y[2 * i] - center, y2 = y[2 * i + 1] - center;
        const double charge[kCharges] = {1.0, y1, y2, y1 * y1 + y2 * y2};
        const double* w1 = weights_.data() + 2 * i * p;
        const double* w2 = w1 + p;
        const size_t row0 = static_cast<size_t>(box_[2 * i]) * p;
        const size_t col0 = static_cast<size_t>(box_[2 * i + 1]) * p;
        for (int k1 = 0; k1 < p; ++k1) {
          for (int k2 = 0; k2 < p; ++k2) {
            const size_t at = (row0 + k1) * size + col0 + k2;
            const double w = w1[k1] * w2[k2];
            for (int c = 0; c < kCharges; ++c) fft.real[c][at] += static_cast<float>(w * charge[c]);
          }
        }
      }
    }
  });

  // Per charge: forward transform, product with the kernel's spectrum, inverse transform.
  parallel_for(kCharges, threads_, [&](int64_t c0, int64_t c1, int) {
    for (int64_t c = c0; c < c1; ++c) {
      fftwf_complex* h = fft.hat[c];
      // The rows the row pass does not write are the zero rows of the padded grid.
      std::memset(h + static_cast<size_t>(fft.rows) * fft.half, 0,
                  (fft.spectrum - static_cast<size_t>(fft.rows) * fft.half) * sizeof(fftwf_complex));
      fftwf_execute_dft_r2c(fft.rows_forward, fft.real[c], h);
      fftwf_execute_dft(fft.cols_forward, h, h);
      for (size_t k = 0; k < fft.spectrum; ++k) {
        const float re = h[k][0] * fft.kernel_hat[k][0] - h[k][1] * fft.kernel_hat[k][1];
        const float im = h[k][0] * fft.kernel_hat[k][1] + h[k][1] * fft.kernel_hat[k][0];
        h[k][0] = re;
        h[k][1] = im;
      }
      fftwf_execute_dft(fft.cols_backward, h, h);
      fftwf_execute_dft_c2r(fft.rows_backward, h, fft.real[c]);
    }
  });

  // Potentials back at the points; FFTW's inverse leaves a factor S^2.
  const double scale = 1.0 / (static_cast<double>(size) * size);
  std::vector<double> z_part(static_cast<size_t>(n));
  parallel_for(n, threads_, [&](int64_t begin, int64_t end, int) {
    for (int64_t i = begin; i < end; ++i) {
      double phi[kCharges] = {};
      const double* w1 = weights_.data() + 2 * i * p;
      const double* w2 = w1 + p;
      const size_t row0 = static_cast<size_t>(box_[2 * i]) * p;
      const size_t col0 = static_cast<size_t>(box_[2 * i + 1]) * p;
      for (int k1 = 0; k1 < p; ++k1) {
        for (int k2 = 0; k2 < p; ++k2) {
          const size_t at = (row0 + k1) * size + col0 + k2;
          const double w = w1[k1] * w2[k2];
          for (int c = 0; c < kCharges; ++c) phi[c] += w * fft.real[c][at];
        }
      }
      for (double& v : phi) v *= scale;
      const double y1 = y[2 * i] - center, y2 = y[2 * i + 1] - center;
      force[2 * i] = y1 * phi[0] - phi[1];
      force[2 * i + 1] = y2 * phi[0] - phi[2];
      z_part[static_cast<size_t>(i)] =
          (1 + y1 * y1 + y2 * y2) * phi[0] - 2 * (y1 * phi[1] + y2 * phi[2]) + phi[3];
    }
  });
  // Summed in point order, so that Z does not depend on the threads; the j = i terms (w = 1)
  // are taken out.
  double z = 0;
  for (double v : z_part) z += v;
  return std::max(z - static_cast<double>(n), 1e-12);
}

#else  // no FFTW at configure time

bool fft_repulsion_available() { return false; }

struct FftRepulsion::Fft {};

FftRepulsion::FftRepulsion(FftRepulsionOptions options, int threads)
    : options_(options), threads_(threads) {
  AELAB_CHECK(false, "t-SNE: the FFT method needs FFTW3, which this build was configured without "
                     "(install libfftw3-dev and reconfigure, or use method barnes-hut)");
}
FftRepulsion::~FftRepulsion() = default;
void FftRepulsion::prepare_grid(int, double) {}
double FftRepulsion::repulsion(const double*, int64_t, double*) { return 0; }

#endif

}  // namespace aelab::analysis
