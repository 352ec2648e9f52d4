#include "aelab/tune/samplers/parzen_estimator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "aelab/tune/samplers/truncated_normal.h"

namespace aelab::tune {

namespace {
constexpr double kLogSqrt2Pi = 0.91893853320467274178;
constexpr double kSigma0Magnitude = 0.2;  // Scott's-rule factor used by BOHB and Optuna
constexpr double kEps = 1e-12;
}  // namespace

std::vector<double> tpe_default_weights(size_t n) {
  if (n < 25) return std::vector<double>(n, 1.0);
  std::vector<double> w(n, 1.0);
  size_t ramp = n - 25;
  double start = 1.0 / static_cast<double>(n);
  for (size_t i = 0; i < ramp; ++i) {
    w[i] = ramp == 1 ? start : start + (1.0 - start) * static_cast<double>(i) / (ramp - 1);
  }
  return w;
}

ParzenEstimator::ParzenEstimator(const std::vector<const Distribution*>& dims,
                                 const std::vector<std::vector<double>>& observations,
                                 const ParzenOptions& options) {
  const size_t n = observations.empty() ? 0 : observations[0].size();
  const bool prior = options.consider_prior || n == 0;
  const size_t k = n + (prior ? 1 : 0);

  // Mixture weights.
  std::vector<double> w = tpe_default_weights(n);
  if (prior) w.push_back(options.prior_weight);
  double total = std::accumulate(w.begin(), w.end(), 0.0);
  log_weights_.resize(k);
  cum_weights_.resize(k);
  double acc = 0;
  for (size_t i = 0; i < k; ++i) {
    log_weights_[i] = std::log(w[i] / total);
    acc += w[i] / total;
    cum_weights_[i] = acc;
  }
  cum_weights_.back() = 1.0;

  const double sigma0 =
      kSigma0Magnitude *
      std::pow(static_cast<double>(std::max<size_t>(n, 1)), -1.0 / (static_cast<double>(dims.size()) + 4));

  dims_.resize(dims.size());
  for (size_t d = 0; d < dims.size(); ++d) {
    Dim& dim = dims_[d];
    dim.dist = dims[d];
    const auto& obs = observations[d];
    if (const auto* cat = std::get_if<CategoricalDistribution>(dims[d])) {
      dim.categorical = true;
      dim.n_choices = cat->choices.size();
      const size_t c = dim.n_choices;
      double base = options.prior_weight / static_cast<double>(prior ? n + 1 : n);
      dim.log_probs.assign(k * c, 0.0);
      dim.cum_probs.assign(k * c, 0.0);
      for (size_t i = 0; i < k; ++i) {
        std::vector<double> row(c, base);
        if (i < n) row[static_cast<size_t>(std::llround(obs[i]))] += 1.0;
        double sum = std::accumulate(row.begin(), row.end(), 0.0);
        double run = 0;
        for (size_t j = 0; j < c; ++j) {
          dim.log_probs[i * c + j] = std::log(row[j] / sum);
          run += row[j] / sum;
          dim.cum_probs[i * c + j] = run;
        }
      }
      continue;
    }
    // Numeric: model-space range.
    if (const auto* f = std::get_if<FloatDistribution>(dims[d])) {
      dim.grid_low = f->low;
      dim.grid_high = f->high;
      if (f->log) {
        dim.log = true;
        dim.low = std::log(f->low);
        dim.high = std::log(f->high);
      } else if (f->step) {
        dim.q = *f->step;
        dim.low = f->low - 0.5 * dim.q;
        dim.high = f->high + 0.5 * dim.q;
      } else {
        dim.low = f->low;
        dim.high = f->high;
      }
    } else {
      const auto& i = std::get<IntDistribution>(*dims[d]);
      dim.grid_low = static_cast<double>(i.low);
      dim.grid_high = static_cast<double>(i.high);
      if (i.log) {
        dim.log = dim.int_log = true;
        dim.low = std::log(i.low - 0.5);
        dim.high = std::log(i.high + 0.5);
      } else {
        dim.q = static_cast<double>(i.step);
        dim.low = dim.grid_low - 0.5 * dim.q;
        dim.high = dim.grid_high + 0.5 * dim.q;
      }
    }
    const double range = dim.high - dim.low;
    dim.mus.resize(k);
    dim.sigmas.resize(k);
    for (size_t i = 0; i < n; ++i) dim.mus[i] = to_model(dim, obs[i]);
    if (prior) dim.mus[n] = 0.5 * (dim.low + dim.high);

    if (options.multivariate) {
      std::fill(dim.sigmas.begin(), dim.sigmas.end(), sigma0 * range);
    } else {
      // Bandwidth of each kernel: the larger gap to its sorted neighbours (the range ends count
      // as neighbours, except for the outermost kernels without consider_endpoints).
      std::vector<size_t> order(k);
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return dim.mus[a] < dim.mus[b]; });
      std::vector<double> ext(k + 2);
      ext[0] = dim.low;
      for (size_t i = 0; i < k; ++i) ext[i + 1] = dim.mus[order[i]];
      ext[k + 1] = dim.high;
      std::vector<double> sorted_sigmas(k);
      for (size_t i = 0; i < k; ++i) {
        sorted_sigmas[i] = std::max(ext[i + 1] - ext[i], ext[i + 2] - ext[i + 1]);
      }
      if (!options.consider_endpoints && k >= 2) {
        sorted_sigmas[0] = ext[2] - ext[1];
        sorted_sigmas[k - 1] = ext[k] - ext[k - 1];
      }
      for (size_t i = 0; i < k; ++i) dim.sigmas[order[i]] = sorted_sigmas[i];
    }
    const double max_sigma = range;
    const double min_sigma = options.consider_magic_clip
                                 ? range / std::min(100.0, 1.0 + static_cast<double>(k))
                                 : kEps;
    for (auto& s : dim.sigmas) s = std::clamp(s, min_sigma, max_sigma);
    if (prior) dim.sigmas[n] = range;

    dim.inv_sigmas.resize(k);
    dim.log_norm.resize(k);
    dim.log_accept.resize(k);
    for (size_t i = 0; i < k; ++i) {
      dim.inv_sigmas[i] = 1.0 / dim.sigmas[i];
      double accept = normal::log_mass((dim.low - dim.mus[i]) * dim.inv_sigmas[i],
                                       (dim.high - dim.mus[i]) * dim.inv_sigmas[i]);
      dim.log_accept[i] = accept;
      dim.log_norm[i] = -kLogSqrt2Pi - accept;
      if (options.normalized_kernels) dim.log_norm[i] -= std::log(dim.sigmas[i]);
    }
  }
}

double ParzenEstimator::to_model(const Dim& dim, double internal) const {
  return dim.log ? std::log(internal) : internal;
}

double ParzenEstimator::from_model(const Dim& dim, double x) const {
  if (dim.int_log) return std::clamp(std::round(std::exp(x)), dim.grid_low, dim.grid_high);
  if (dim.log) return std::clamp(std::exp(x), dim.grid_low, dim.grid_high);
  if (dim.q > 0) {
    double v = std::round((x - dim.grid_low) / dim.q) * dim.q + dim.grid_low;
    return std::clamp(v, dim.grid_low, dim.grid_high);
  }
  return std::clamp(x, dim.low, dim.high);
}

std::vector<std::vector<double>> ParzenEstimator::sample(RandomEngine& rng, int size) const {
  const size_t s_count = static_cast<size_t>(size);
  std::vector<size_t> active(s_count);
  for (auto& a : active) {
    double u = rng.uniform();
    a = static_cast<size_t>(std::upper_bound(cum_weights_.begin(), cum_weights_.end(), u) -
                            cum_weights_.begin());
    a = std::min(a, cum_weights_.size() - 1);
  }
  std::vector<std::vector<double>> out(dims_.size(), std::vector<double>(s_count));
  for (size_t d = 0; d < dims_.size(); ++d) {
    const Dim& dim = dims_[d];
    for (size_t s = 0; s < s_count; ++s) {
      const size_t c = active[s];
      double u = rng.uniform();
      if (dim.categorical) {
        const double* row = &dim.cum_probs[c * dim.n_choices];
        size_t j = 0;
        while (j + 1 < dim.n_choices && row[j] < u) ++j;
        out[d][s] = static_cast<double>(j);
      } else {
        double mu = dim.mus[c], sigma = dim.sigmas[c];
        double z = normal::sample_truncated((dim.low - mu) / sigma, (dim.high - mu) / sigma, u);
        out[d][s] = from_model(dim, mu + sigma * z);
      }
    }
  }
  return out;
}

std::vector<double> ParzenEstimator::log_pdf(
    const std::vector<std::vector<double>>& samples) const {
  const size_t k = log_weights_.size();
  const size_t s_count = samples.empty() ? 0 : samples[0].size();
  std::vector<double> comp(s_count * k);
  for (size_t s = 0; s < s_count; ++s) {
    std::copy(log_weights_.begin(), log_weights_.end(), comp.begin() + s * k);
  }
  for (size_t d = 0; d < dims_.size(); ++d) {
    const Dim& dim = dims_[d];
    for (size_t s = 0; s < s_count; ++s) {
      double* row = &comp[s * k];
      const double v = samples[d][s];
      if (dim.categorical) {
        const size_t j = static_cast<size_t>(std::llround(v));
        for (size_t c = 0; c < k; ++c) row[c] += dim.log_probs[c * dim.n_choices + j];
      } else if (dim.q > 0 || dim.int_log) {
        double lo, hi;
        if (dim.int_log) {
          lo = std::log(std::max(v - 0.5, 1e-300));
          hi = std::log(v + 0.5);
        } else {
          lo = v - 0.5 * dim.q;
          hi = v + 0.5 * dim.q;
        }
        lo = std::max(lo, dim.low);
        hi = std::min(hi, dim.high);
        for (size_t c = 0; c < k; ++c) {
          const double mu = dim.mus[c], inv = dim.inv_sigmas[c];
          row[c] += normal::log_mass((lo - mu) * inv, (hi - mu) * inv) - dim.log_accept[c];
        }
      } else {
        const double x = to_model(dim, v);
        for (size_t c = 0; c < k; ++c) {
          const double z = (x - dim.mus[c]) * dim.inv_sigmas[c];
          row[c] += dim.log_norm[c] - 0.5 * z * z;
        }
      }
    }
  }
  std::vector<double> out(s_count);
  for (size_t s = 0; s < s_count; ++s) {
    const double* row = &comp[s * k];
    double m = *std::max_element(row, row + k);
    if (!std::isfinite(m)) {
      out[s] = m;
      continue;
    }
    // Terms below e^-60 of the largest change the sum by less than rounding; skipping them
    // also avoids libm's slow underflow path, which dominated the time at 1,000 trials.
    double sum = 0;
    for (size_t c = 0; c < k; ++c) {
      const double d = row[c] - m;
      if (d > -60.0) sum += std::exp(d);
    }
    out[s] = m + std::log(sum);
  }
  return out;
}

}  // namespace aelab::tune
