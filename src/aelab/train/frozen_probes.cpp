#include "aelab/train/frozen_probes.h"

#include <torch/nn/functional/loss.h>
#include <torch/optim/lbfgs.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "aelab/core/error.h"

namespace aelab::train {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_codes(const LabelledCodes& set, const char* what) {
  AELAB_CHECK(set.codes.dim() == 2 && set.labels.dim() == 1 &&
                  set.codes.size(0) == set.labels.size(0),
              "a probe's ", what, " codes must be [N, D] with N labels");
}

double accuracy_of(const at::Tensor& predicted, const at::Tensor& labels) {
  return predicted.eq(labels).to(at::kDouble).mean().item<double>();
}

// Standardization from the training codes only; a constant column is left centred (scale 1),
// so it carries nothing instead of being blown up.
struct Standardizer {
  at::Tensor mean, scale;
  explicit Standardizer(const at::Tensor& x)
      : mean(x.mean(0)), scale(x.std(0, /*unbiased=*/false)) {
    scale = at::where(scale > 1e-8, scale, at::ones_like(scale));
  }
  at::Tensor operator()(const at::Tensor& x) const { return (x - mean) / scale; }
};

struct LogisticModel {
  at::Tensor weight, bias;  // [D, C], [C]
  at::Tensor predict(const at::Tensor& x) const { return at::addmm(bias, x, weight).argmax(1); }
};

// Mean cross-entropy + l2/2 * |W|^2 (the bias is not penalized), minimized by L-BFGS with a
// strong-Wolfe line search from zero weights: a convex problem, so the minimum is the fit.
LogisticModel fit_logistic(const at::Tensor& x, const at::Tensor& y, int64_t classes, double l2) {
  auto opts = x.options();
  LogisticModel m{at::zeros({x.size(1), classes}, opts).requires_grad_(true),
                  at::zeros({classes}, opts).requires_grad_(true)};
  torch::optim::LBFGS optimizer({m.weight, m.bias}, torch::optim::LBFGSOptions(1)
                                                        .max_iter(500)
                                                        .tolerance_grad(1e-6)
                                                        .tolerance_change(1e-10)
                                                        .history_size(20)
                                                        .line_search_fn("strong_wolfe"));
  auto closure = [&] {
    optimizer.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(at::addmm(m.bias, x, m.weight), y) +
                0.5 * l2 * m.weight.pow(2).sum();
    loss.backward();
    return loss;
  };
  optimizer.step(closure);
  m.weight = m.weight.detach();
  m.bias = m.bias.detach();
  return m;
}

// Labels of the k_max nearest training codes of every query, nearest first [Q, k_max]. Queries
// go in blocks so the distance matrix stays small.
at::Tensor nearest_labels(const LabelledCodes& train, const at::Tensor& queries, int64_t k_max) {
  const at::Tensor reference = train.codes.to(at::kFloat).contiguous();
  const at::Tensor q = queries.to(at::kFloat).contiguous();
  std::vector<at::Tensor> parts;
  const int64_t block = std::max<int64_t>(1, (int64_t(1) << 24) / std::max<int64_t>(1, train.size()));
  for (int64_t begin = 0; begin < q.size(0); begin += block) {
    auto d = at::cdist(q.slice(0, begin, std::min(q.size(0), begin + block)), reference);
    auto index = std::get<1>(d.topk(k_max, 1, /*largest=*/false, /*sorted=*/true));
    parts.push_back(train.labels.index({index.reshape(-1)}).reshape(index.sizes()));
  }
  return at::cat(parts, 0);
}

// The vote of the first k columns: each neighbour counts 1, plus a rank bonus below 1 in total
// that only decides between classes with equal counts (the nearer members win).
at::Tensor vote(const at::Tensor& neighbour_labels, int64_t k, int64_t classes) {
  auto labels = neighbour_labels.slice(1, 0, k);
  auto rank = at::arange(k, at::TensorOptions().dtype(at::kDouble));
  auto weight = (1.0 + (double(k) - rank) / double(k * (k + 1))).expand(labels.sizes());
  auto scores = at::zeros({labels.size(0), classes}, weight.options());
  scores.scatter_add_(1, labels, weight.contiguous());
  return scores.argmax(1);
}

}  // namespace

const std::vector<double>& linear_probe_l2_grid() {
  static const std::vector<double> grid{1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0};
  return grid;
}

const std::vector<int64_t>& knn_k_grid() {
  static const std::vector<int64_t> grid{1, 3, 5, 10, 20};
  return grid;
}

ProbeOutcome linear_probe(const LabelledCodes& train, const LabelledCodes& val,
                          const LabelledCodes& test, int64_t classes) {
  check_codes(train, "training");
  check_codes(test, "test");
  AELAB_CHECK(train.size() > 0, "a linear probe needs training codes");
  Standardizer standardize(train.codes.to(at::kDouble));
  auto x = standardize(train.codes.to(at::kDouble));
  auto y = train.labels.to(at::kLong);
  ProbeOutcome out;
  out.setting = kLinearProbeDefaultL2;
  out.val_accuracy = kNaN;
  if (val.size() > 0) {
    check_codes(val, "validation");
    auto vx = standardize(val.codes.to(at::kDouble));
    for (double l2 : linear_probe_l2_grid()) {  // ties keep the stronger regularization
      double acc = accuracy_of(fit_logistic(x, y, classes, l2).predict(vx), val.labels);
      if (std::isnan(out.val_accuracy) || acc >= out.val_accuracy) {
        out.val_accuracy = acc;
        out.setting = l2;
      }
    }
  }
  auto model = fit_logistic(x, y, classes, out.setting);
  out.test_accuracy = accuracy_of(model.predict(standardize(test.codes.to(at::kDouble))),
                                  test.labels);
  return out;
}

at::Tensor knn_predict(const LabelledCodes& train, const at::Tensor& queries, int64_t k,
                       int64_t classes) {
  AELAB_CHECK(k >= 1 && k <= train.size(), "k-NN with k = ", k, " needs at least k training codes (",
              train.size(), " given)");
  return vote(nearest_labels(train, queries, k), k, classes);
}

ProbeOutcome knn_probe(const LabelledCodes& train, const LabelledCodes& val,
                       const LabelledCodes& test, int64_t classes) {
  check_codes(train, "training");
  check_codes(test, "test");
  AELAB_CHECK(train.size() > 0, "a k-NN probe needs training codes");
  ProbeOutcome out;
  out.setting = double(std::min(kKnnDefaultK, train.size()));
  out.val_accuracy = kNaN;
  if (val.size() > 0) {
    check_codes(val, "validation");
    std::vector<int64_t> ks;
    for (int64_t k : knn_k_grid()) {
      if (k <= train.size()) ks.push_back(k);
    }
    auto neighbours = nearest_labels(train, val.codes, ks.back());
    for (int64_t k : ks) {  // ties keep the smaller k
      double acc = accuracy_of(vote(neighbours, k, classes), val.labels);
      if (std::isnan(out.val_accuracy) || acc > out.val_accuracy) {
        out.val_accuracy = acc;
        out.setting = double(k);
      }
    }
  }
  out.test_accuracy = accuracy_of(
      knn_predict(train, test.codes, static_cast<int64_t>(out.setting), classes), test.labels);
  return out;
}

}  // namespace aelab::train
