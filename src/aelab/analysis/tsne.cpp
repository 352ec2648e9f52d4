#include "aelab/analysis/tsne.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "aelab/analysis/affinities.h"
#include "aelab/analysis/approximate_knn.h"
#include "aelab/analysis/fft_repulsion.h"
#include "aelab/analysis/map_order.h"
#include "aelab/analysis/parallel.h"
#include "aelab/analysis/space_tree.h"
#include "aelab/core/error.h"

namespace aelab::analysis {

namespace {

constexpr double kMinGain = 0.01;
constexpr double kInitialMomentum = 0.5;
constexpr double kFinalMomentum = 0.8;
constexpr double kMinGradNorm = 1e-7;
constexpr double kInitScale = 1e-4;
constexpr double kPi = 3.14159265358979323846;
constexpr int64_t kMaxExactPoints = 20000;  // P alone is 3.2 GB of doubles at the limit
constexpr double kTiny = 1e-12;  // floor on q_ij inside log(), as scikit-learn's MACHINE_EPSILON

void check_options(const Matrix& x, const TsneOptions& o, TsneMethod method) {
  check_finite_matrix(x, "t-SNE input", 2);
  check_perplexity(o.perplexity, x.rows);
  switch (method) {
    case TsneMethod::kExact:
      AELAB_CHECK(o.dims >= 1, "t-SNE: dims must be at least 1, got ", o.dims);
      AELAB_CHECK(x.rows <= kMaxExactPoints, "t-SNE: the exact method keeps an n x n matrix; ",
                  x.rows, " points is more than its limit of ", kMaxExactPoints,
                  " (use barnes-hut or fft)");
      break;
    case TsneMethod::kFft:
      AELAB_CHECK(o.dims == 2, "t-SNE: the fft method maps to 2 dims, got ", o.dims,
                  " (use barnes-hut for 3)");
      AELAB_CHECK(fft_repulsion_available(),
                  "t-SNE: the fft method needs FFTW3, which this build was configured without "
                  "(install libfftw3-dev and reconfigure, or use barnes-hut)");
      break;
    default:
      AELAB_CHECK(o.dims == 2 || o.dims == 3, "t-SNE: Barnes-Hut needs dims 2 or 3, got ", o.dims,
                  " (use the exact method for other dimensions)");
      AELAB_CHECK(x.rows < (int64_t(1) << 31), "t-SNE: ", x.rows,
                  " points is more than the 2^31 - 1 the Barnes-Hut tree indexes");
  }
  AELAB_CHECK(o.iterations >= 1, "t-SNE: iterations must be at least 1, got ", o.iterations);
  AELAB_CHECK(std::isfinite(o.learning_rate) && o.learning_rate >= 0,
              "t-SNE: learning_rate must be >= 0 (0 = auto), got ", o.learning_rate);
  AELAB_CHECK(std::isfinite(o.early_exaggeration) && o.early_exaggeration >= 1,
              "t-SNE: early_exaggeration must be >= 1, got ", o.early_exaggeration);
  AELAB_CHECK(std::isfinite(o.final_exaggeration) && o.final_exaggeration >= 1,
              "t-SNE: final_exaggeration must be >= 1, got ", o.final_exaggeration);
  AELAB_CHECK(o.exaggeration_iters >= 0, "t-SNE: exaggeration_iters must be >= 0, got ",
              o.exaggeration_iters);
  AELAB_CHECK(o.theta >= 0 && o.theta <= 1, "t-SNE: theta must be in [0, 1], got ", o.theta);
  if (o.initial_positions.rows > 0) {
    check_finite_matrix(o.initial_positions, "t-SNE initial positions", 2);
    AELAB_CHECK(o.initial_positions.rows == x.rows && o.initial_positions.cols == o.dims,
                "t-SNE: initial positions are ", o.initial_positions.rows, " x ",
                o.initial_positions.cols, ", expected one row of ", o.dims, " per point (",
                x.rows, " x ", o.dims, ")");
  } else {
    AELAB_CHECK(o.init == "pca" || o.init == "random",
                "t-SNE: init must be \"pca\" or \"random\", got \"", o.init, "\"");
    AELAB_CHECK(o.init != "pca" || o.dims <= x.cols, "t-SNE: init \"pca\" needs dims <= input columns (",
                x.cols, "), got dims ", o.dims, " (use init = \"random\")");
  }
  AELAB_CHECK(o.threads >= 0, "t-SNE: threads must be >= 0 (0 = all cores), got ", o.threads);
}

TsneMethod resolve_method(const TsneOptions& o, int64_t n) {
  if (o.method != TsneMethod::kAuto) return o.method;
  return o.dims == 2 && n >= kFftFrom && fft_repulsion_available() ? TsneMethod::kFft
                                                                    : TsneMethod::kBarnesHut;
}

// Rescales positions so that the first axis has standard deviation 1e-4 (the scale t-SNE's
// optimization expects at the start), keeping their shape and orientation.
void rescale_start(std::vector<double>& y, int64_t n, int dims) {
  double mean = 0, var = 0;
  for (int64_t i = 0; i < n; ++i) mean += y[static_cast<size_t>(i * dims)];
  mean /= static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) {
    const double e = y[static_cast<size_t>(i * dims)] - mean;
    var += e * e;
  }
  const double sd = std::sqrt(var / static_cast<double>(n));
  const double scale = sd > 0 ? kInitScale / sd : 1.0;
  for (double& v : y) v *= scale;
}

std::vector<double> initial_embedding(const Matrix& x, const TsneOptions& o) {
  const int64_t n = x.rows;
  std::vector<double> y(static_cast<size_t>(n * o.dims));
  if (o.initial_positions.rows > 0) {
    y = o.initial_positions.data;
    rescale_start(y, n, o.dims);
    return y;
  }
  if (o.init == "pca") {
    y = principal_scores(x, o.dims, o.seed).data;
    rescale_start(y, n, o.dims);
    return y;
  }
  // Box-Muller on a 64-bit Mersenne Twister: the same numbers on every standard library.
  std::mt19937_64 rng(o.seed);
  auto uniform = [&] { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; };
  for (size_t k = 0; k < y.size(); k += 2) {
    const double r = std::sqrt(-2 * std::log(uniform()));
    const double a = 2 * kPi * uniform();
    y[k] = kInitScale * r * std::cos(a);
    if (k + 1 < y.size()) y[k + 1] = kInitScale * r * std::sin(a);
  }
  return y;
}

// The objective: writes the gradient of KL(exaggeration * P || Q) and, when asked, returns the KL.
class Objective {
 public:
  virtual ~Objective() = default;
  virtual void gradient(const std::vector<double>& y, double exaggeration, std::vector<double>& grad) = 0;
  virtual double kl(const std::vector<double>& y) = 0;
};

// O(n^2 dims) over the dense P. One pass per step gathers, for every point, the attraction
// sum_j p_ij w_ij (y_i - y_j), the repulsion sum_j w_ij^2 (y_i - y_j) and sum_j w_ij; Z is known
// only at the end, so the two parts are combined afterwards.
class ExactObjective : public Objective {
 public:
  ExactObjective(Matrix p, int dims, int threads)
      : p_(std::move(p)), dims_(dims), threads_(threads),
        attractive_(static_cast<size_t>(p_.rows * dims)), repulsive_(attractive_.size()),
        row_sum_(static_cast<size_t>(p_.rows)) {}

  void gradient(const std::vector<double>& y, double exaggeration, std::vector<double>& grad) override {
    parallel_for(p_.rows, threads_, [&](int64_t begin, int64_t end, int) {
      switch (dims_) {  // the usual map dimensions get unrolled, register-resident loops
        case 2: accumulate_rows<2>(begin, end, y); break;
        case 3: accumulate_rows<3>(begin, end, y); break;
        default: accumulate_rows<0>(begin, end, y);
      }
    });
    double z = 0;
    for (double v : row_sum_) z += v;
    for (size_t k = 0; k < grad.size(); ++k) {
      grad[k] = 4.0 * (exaggeration * attractive_[k] - repulsive_[k] / z);
    }
  }

  double kl(const std::vector<double>& y) override {
    const int64_t n = p_.rows;
    double z = 0, cross = 0;  // cross = sum p_ij log(p_ij / w_ij)
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        if (j == i) continue;
        double d2 = 0;
        for (int d = 0; d < dims_; ++d) {
          const double e = y[static_cast<size_t>(i * dims_ + d)] - y[static_cast<size_t>(j * dims_ + d)];
          d2 += e * e;
        }
        z += 1.0 / (1.0 + d2);
        const double p = p_.at(i, j);
        if (p > 0) cross += p * (std::log(p) + std::log1p(d2));
      }
    }
    double total_p = 0;
    for (double v : p_.data) total_p += v;
    return cross + total_p * std::log(z);
  }

 private:
  // Rows [begin, end) of the three sums; D = 0 means dims_ known only at run time.
  template <int D>
  void accumulate_rows(int64_t begin, int64_t end, const std::vector<double>& y) {
    constexpr int kFixed = D > 0 ? D : 1;
    const int dims = D > 0 ? D : dims_;
    const int64_t n = p_.rows;
    double fixed[3 * kFixed];
    std::vector<double> scratch(D > 0 ? 0 : static_cast<size_t>(3 * dims));
    double* diff = D > 0 ? fixed : scratch.data();
    double* attract = diff + dims;
    double* repel = attract + dims;
    for (int64_t i = begin; i < end; ++i) {
      std::fill(attract, attract + 2 * dims, 0.0);
      const double* yi = y.data() + i * dims;
      const double* pi = p_.row(i);
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) {
        const double* yj = y.data() + j * dims;
        double d2 = 0;
        for (int d = 0; d < dims; ++d) {
          diff[d] = yi[d] - yj[d];
          d2 += diff[d] * diff[d];
        }
        // j == i adds nothing to the forces (diff = 0) but 1 to the kernel sum.
        const double w = j == i ? 0.0 : 1.0 / (1.0 + d2);
        sum += w;
        const double pw = pi[j] * w, ww = w * w;
        for (int d = 0; d < dims; ++d) {
          attract[d] += pw * diff[d];
          repel[d] += ww * diff[d];
        }
      }
      row_sum_[static_cast<size_t>(i)] = sum;
      std::copy(attract, attract + dims, attractive_.begin() + i * dims);
      std::copy(repel, repel + dims, repulsive_.begin() + i * dims);
    }
  }

  Matrix p_;
  int dims_;
  int threads_;
  std::vector<double> attractive_, repulsive_, row_sum_;
};

// Attraction over the sparse P, repulsion through the Barnes-Hut tree, in float.
template <int D>
class BarnesHutObjective : public Objective {
 public:
  BarnesHutObjective(SparseAffinities p, double theta, int threads)
      : p_(std::move(p)), theta_(static_cast<float>(theta)), threads_(threads),
        y_(static_cast<size_t>(p_.points * D)), sum_q_(static_cast<size_t>(p_.points)),
        repulsive_(static_cast<size_t>(p_.points * D)), attractive_(static_cast<size_t>(p_.points * D)),
        p_float_(p_.value.begin(), p_.value.end()) {
    column_.assign(p_.column.begin(), p_.column.end());
  }

  void gradient(const std::vector<double>& y, double exaggeration, std::vector<double>& grad) override {
    // One parallel pass: each leaf's points get their repulsion and attraction together (the
    // points are close in memory and in the map); Z is only known at the end, so both parts are
    // kept and combined in the serial loop below.
    const double z = forces(y, /*with_attraction=*/true);
    for (size_t k = 0; k < grad.size(); ++k) {
      grad[k] = 4.0 * (exaggeration * static_cast<double>(attractive_[k]) -
                       static_cast<double>(repulsive_[k]) / z);
    }
  }

  double kl(const std::vector<double>& y) override {
    const double log_z = std::log(forces(y, /*with_attraction=*/false));
    double total = 0;
    for (int64_t i = 0; i < p_.points; ++i) {
      for (int64_t k = p_.row_start[static_cast<size_t>(i)]; k < p_.row_start[static_cast<size_t>(i + 1)]; ++k) {
        const int64_t j = p_.column[static_cast<size_t>(k)];
        const double p = p_.value[static_cast<size_t>(k)];
        double d2 = 0;
        for (int d = 0; d < D; ++d) {
          const double e = y[static_cast<size_t>(i * D + d)] - y[static_cast<size_t>(j * D + d)];
          d2 += e * e;
        }
        const double q = std::max(std::exp(-std::log1p(d2) - log_z), kTiny);
        total += p * std::log(std::max(p, kTiny) / q);
      }
    }
    return total;
  }

 private:
  // Rebuilds the tree on the current map; fills repulsive_ (and attractive_ when asked: the
  // un-exaggerated sum_j p_ij w_ij (y_i - y_j)) and returns Z = sum_{i != j} w_ij.
  double forces(const std::vector<double>& y, bool with_attraction) {
    const int64_t n = p_.points;
    for (size_t k = 0; k < y_.size(); ++k) y_[k] = static_cast<float>(y[k]);
    tree_.build(y_.data(), n);
    // Leaves in tree order: neighbouring leaves walk the same part of the tree.
    parallel_for(tree_.leaf_count(), threads_, [&](int64_t begin, int64_t end, int) {
      for (int64_t leaf = begin; leaf < end; ++leaf) {
        tree_.repel_leaf(leaf, theta_, repulsive_.data(), sum_q_.data());
        if (!with_attraction) continue;
        const auto [points, count] = tree_.leaf_points(leaf);
        for (int32_t g = 0; g < count; ++g) attract(points[g]);
      }
    });
    double z = 0;
    for (float s : sum_q_) z += s;
    return std::max(z, kTiny);
  }

  void attract(int64_t i) {
    float sum[D] = {};
    const float* yi = y_.data() + i * D;
    for (int64_t k = p_.row_start[static_cast<size_t>(i)]; k < p_.row_start[static_cast<size_t>(i + 1)]; ++k) {
      const float* yj = y_.data() + static_cast<int64_t>(column_[static_cast<size_t>(k)]) * D;
      float diff[D];
      float d2 = 0;
      for (int d = 0; d < D; ++d) {
        diff[d] = yi[d] - yj[d];
        d2 += diff[d] * diff[d];
      }
      const float mult = p_float_[static_cast<size_t>(k)] / (1.0f + d2);
      for (int d = 0; d < D; ++d) sum[d] += mult * diff[d];
    }
    for (int d = 0; d < D; ++d) attractive_[static_cast<size_t>(i * D + d)] = sum[d];
  }

  SparseAffinities p_;
  float theta_;
  int threads_;
  std::vector<float> y_;
  std::vector<float> sum_q_;
  std::vector<float> repulsive_;
  std::vector<float> attractive_;
  std::vector<float> p_float_;
  std::vector<int32_t> column_;
  SpaceTree<D> tree_;
};

// Attraction over the sparse P in float with the points renumbered along the map from time to
// time (map_order.h: neighbours' positions then come from nearby memory), repulsion by FFT
// interpolation (fft_repulsion.h).
class FftObjective : public Objective {
 public:
  FftObjective(const SparseAffinities& p, int threads)
      : n_(p.points), threads_(threads), p_(numbered_affinities(p)),
        repulsion_(FftRepulsionOptions{}, threads), repulsive_(static_cast<size_t>(2 * n_)),
        y_numbered_(static_cast<size_t>(2 * n_)) {}

  void gradient(const std::vector<double>& y, double exaggeration, std::vector<double>& grad) override {
    // The map moves most early on: renumbered at the first call and after 50, 100, 200, 400
    // and 800 (each one pass over P).
    if (calls_++ == next_renumbering_) {
      renumber(p_, z_order(y.data(), n_));
      next_renumbering_ = std::max<int64_t>(50, 2 * next_renumbering_);
    }
    const double z = repulsion_.repulsion(y.data(), n_, repulsive_.data());
    for (int64_t r = 0; r < n_; ++r) {
      const size_t i = static_cast<size_t>(p_.order[static_cast<size_t>(r)]);
      y_numbered_[static_cast<size_t>(2 * r)] = static_cast<float>(y[2 * i]);
      y_numbered_[static_cast<size_t>(2 * r + 1)] = static_cast<float>(y[2 * i + 1]);
    }
    parallel_for(n_, threads_, [&](int64_t begin, int64_t end, int) {
      for (int64_t r = begin; r < end; ++r) {
        const float y1 = y_numbered_[static_cast<size_t>(2 * r)];
        const float y2 = y_numbered_[static_cast<size_t>(2 * r + 1)];
        float a1 = 0, a2 = 0;
        const auto row = static_cast<size_t>(r);
        for (int64_t k = p_.row_start[row]; k < p_.row_start[row + 1]; ++k) {
          const auto j = static_cast<size_t>(p_.column[static_cast<size_t>(k)]);
          const float e1 = y1 - y_numbered_[2 * j], e2 = y2 - y_numbered_[2 * j + 1];
          const float mult = p_.value[static_cast<size_t>(k)] / (1.0f + e1 * e1 + e2 * e2);
          a1 += mult * e1;
          a2 += mult * e2;
        }
        const size_t i = static_cast<size_t>(p_.order[static_cast<size_t>(r)]);
        grad[2 * i] = 4.0 * (exaggeration * a1 - repulsive_[2 * i] / z);
        grad[2 * i + 1] = 4.0 * (exaggeration * a2 - repulsive_[2 * i + 1] / z);
      }
    });
  }

  double kl(const std::vector<double>& y) override {
    const double log_z = std::log(repulsion_.repulsion(y.data(), n_, repulsive_.data()));
    double total = 0;
    for (int64_t r = 0; r < n_; ++r) {
      const size_t i = static_cast<size_t>(p_.order[static_cast<size_t>(r)]);
      const auto row = static_cast<size_t>(r);
      for (int64_t k = p_.row_start[row]; k < p_.row_start[row + 1]; ++k) {
        const auto j = static_cast<size_t>(p_.order[static_cast<size_t>(p_.column[static_cast<size_t>(k)])]);
        const double e1 = y[2 * i] - y[2 * j];
        const double e2 = y[2 * i + 1] - y[2 * j + 1];
        const double p = p_.value[static_cast<size_t>(k)];
        const double q = std::max(std::exp(-std::log1p(e1 * e1 + e2 * e2) - log_z), kTiny);
        total += p * std::log(std::max(p, kTiny) / q);
      }
    }
    return total;
  }

 private:
  int64_t n_;
  int threads_;
  NumberedAffinities p_;
  FftRepulsion repulsion_;
  std::vector<double> repulsive_;
  std::vector<float> y_numbered_;  // the map in float, in p_'s numbering
  int64_t calls_ = 0, next_renumbering_ = 0;
};

// The sparse P of the Barnes-Hut and FFT methods, from exact or approximate neighbours; the
// approximate search's recall is measured on a sample against exact lists.
SparseAffinities sparse_affinities(const Matrix& x, const TsneOptions& o, int threads,
                                   TsneResult& result) {
  const int64_t n = x.rows;
  const int k = sparse_affinity_neighbors(o.perplexity, n);
  NeighborMethod method = o.neighbors;
  if (method == NeighborMethod::kAuto) {
    method = n >= kApproximateNeighborsFrom ? NeighborMethod::kApproximate : NeighborMethod::kExact;
  }
  result.neighbors = method;
  if (method == NeighborMethod::kExact) return sparse_joint_affinities(x, o.perplexity, threads);
  ApproximateKnnOptions knn;
  knn.seed = o.seed;
  const Neighbors nn = approximate_nearest_neighbors(x, k, knn, threads);
  std::vector<int64_t> sample;
  const int64_t every = std::max<int64_t>(1, n / kRecallSample);
  for (int64_t i = 0; i < n && static_cast<int64_t>(sample.size()) < kRecallSample; i += every) sample.push_back(i);
  result.neighbor_recall = neighbor_recall(nn, exact_neighbors_of(x, sample, k, threads), sample);
  return sparse_joint_affinities(nn, o.perplexity, threads);
}

}  // namespace

const char* tsne_method_name(TsneMethod m) {
  switch (m) {
    case TsneMethod::kAuto: return "auto";
    case TsneMethod::kExact: return "exact";
    case TsneMethod::kBarnesHut: return "barnes-hut";
    case TsneMethod::kFft: return "fft";
  }
  return "?";
}

TsneMethod parse_tsne_method(const std::string& name) {
  for (TsneMethod m : {TsneMethod::kAuto, TsneMethod::kExact, TsneMethod::kBarnesHut, TsneMethod::kFft}) {
    if (name == tsne_method_name(m)) return m;
  }
  throw Error("t-SNE method '" + name + "' is not one of auto, exact, barnes-hut, fft");
}

const char* neighbor_method_name(NeighborMethod m) {
  switch (m) {
    case NeighborMethod::kAuto: return "auto";
    case NeighborMethod::kExact: return "exact";
    case NeighborMethod::kApproximate: return "approximate";
  }
  return "?";
}

NeighborMethod parse_neighbor_method(const std::string& name) {
  for (NeighborMethod m : {NeighborMethod::kAuto, NeighborMethod::kExact, NeighborMethod::kApproximate}) {
    if (name == neighbor_method_name(m)) return m;
  }
  throw Error("t-SNE neighbour search '" + name + "' is not one of auto, exact, approximate");
}

TsneResult tsne(const Matrix& x, const TsneOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const TsneMethod method = resolve_method(options, x.rows);
  check_options(x, options, method);
  const int threads = resolve_threads(options.threads);
  const int64_t n = x.rows;
  const int dims = options.dims;

  TsneResult result;
  result.method = method;
  std::unique_ptr<Objective> objective;
  if (method == TsneMethod::kExact) {
    objective = std::make_unique<ExactObjective>(exact_joint_affinities(x, options.perplexity, threads), dims, threads);
  } else {
    SparseAffinities p = sparse_affinities(x, options, threads, result);
    if (method == TsneMethod::kFft) {
      objective = std::make_unique<FftObjective>(p, threads);
    } else if (dims == 2) {
      objective = std::make_unique<BarnesHutObjective<2>>(std::move(p), options.theta, threads);
    } else {
      objective = std::make_unique<BarnesHutObjective<3>>(std::move(p), options.theta, threads);
    }
  }
  result.neighbor_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<double> y = initial_embedding(x, options);
  const double learning_rate = options.learning_rate > 0
      ? options.learning_rate
      : std::max(static_cast<double>(n) / options.early_exaggeration / 4.0, 50.0);
  std::vector<double> grad(y.size()), update(y.size(), 0.0), gains(y.size(), 1.0);
  int iterations_run = 0;
  for (int it = 0; it < options.iterations; ++it) {
    const bool exploring = it < options.exaggeration_iters;
    objective->gradient(y, exploring ? options.early_exaggeration : options.final_exaggeration, grad);
    const double momentum = exploring ? kInitialMomentum : kFinalMomentum;
    double norm2 = 0;
    for (size_t k = 0; k < y.size(); ++k) {
      // The last step went against this gradient: the direction holds, so speed up.
      const bool same_direction = (update[k] * grad[k]) < 0;
      gains[k] = std::max(same_direction ? gains[k] + 0.2 : gains[k] * 0.8, kMinGain);
      const double step = gains[k] * grad[k];
      norm2 += step * step;
      update[k] = momentum * update[k] - learning_rate * step;
      y[k] += update[k];
    }
    iterations_run = it + 1;
    if (std::sqrt(norm2) < kMinGradNorm) break;
  }

  result.kl_divergence = objective->kl(y);
  result.embedding = Matrix(n, dims, std::move(y));
  result.iterations_run = iterations_run;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace aelab::analysis
