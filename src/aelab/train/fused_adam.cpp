#include "aelab/train/fused_adam.h"

#include <ATen/Parallel.h>
#include <torch/autograd.h>

#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>

namespace aelab::train {

namespace {

// One Adam step's scalars, in float as LibTorch's tensor operations apply them.
struct Coefficients {
  float beta1, one_minus_beta1;
  float beta2, one_minus_beta2;
  float l2;              // Adam's weight decay, added to the gradient
  float decay;           // AdamW's decoupled decay: the parameter is multiplied by it first
  float sqrt_bias_correction2;
  float eps;
  float step_size;       // lr / bias correction 1
};

// The loop LibTorch's seven operations amount to, element by element:
//   g = grad + l2 * p;  p *= decay;  m = m * beta1 + (1 - beta1) * g;
//   v = v * beta2 + (1 - beta2) * g * g;  p -= step_size * m / (sqrt(v) / sqrt(bc2) + eps).
// Built twice on x86-64 (AVX2 + FMA and the baseline), the loader picks the one the CPU runs;
// the file is compiled without errno for sqrt so the loop vectorizes.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
void adam_loop(float* __restrict p, const float* __restrict g, float* __restrict m,
               float* __restrict v, int64_t n, const Coefficients c) {
  for (int64_t i = 0; i < n; ++i) {
    const float grad = g[i] + c.l2 * p[i];
    const float mi = m[i] * c.beta1 + c.one_minus_beta1 * grad;
    const float vi = v[i] * c.beta2 + c.one_minus_beta2 * (grad * grad);
    m[i] = mi;
    v[i] = vi;
    const float denom = std::sqrt(vi) / c.sqrt_bias_correction2 + c.eps;
    p[i] = p[i] * c.decay - c.step_size * (mi / denom);
  }
}

// Below this many elements a parameter is updated on the calling thread: waking the pool costs
// more than the loop.
constexpr int64_t kGrain = 32768;

// The key of a parameter's state: LibTorch 1.x keys by the printed TensorImpl address, 2.x by
// the address itself.
template <class Map>
typename Map::key_type state_key(const Map&, const at::Tensor& p) {
  using Key = typename Map::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream out;
    out << p.unsafeGetTensorImpl();
    return out.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

// Whether the one-pass loop applies to every parameter with a gradient in the groups.
template <class Options>
bool all_fusable(const std::vector<torch::optim::OptimizerParamGroup>& groups) {
  for (const auto& group : groups) {
    if (static_cast<const Options&>(group.options()).amsgrad()) return false;
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const auto& grad = p.grad();
      if (!p.device().is_cpu() || p.scalar_type() != at::kFloat ||
          grad.scalar_type() != at::kFloat || grad.is_sparse() ||
          !p.is_non_overlapping_and_dense()) {
        return false;
      }
    }
  }
  return true;
}

// Runs the loop over `p` with its gradient and moment buffers (all with p's strides).
void update(at::Tensor& p, at::Tensor grad, at::Tensor& exp_avg, at::Tensor& exp_avg_sq,
            const Coefficients& c) {
  if (grad.strides() != p.strides()) grad = at::empty_like(p).copy_(grad);
  float* pp = p.data_ptr<float>();
  const float* gp = grad.data_ptr<float>();
  float* mp = exp_avg.data_ptr<float>();
  float* vp = exp_avg_sq.data_ptr<float>();
  at::parallel_for(0, p.numel(), kGrain, [&](int64_t begin, int64_t end) {
    adam_loop(pp + begin, gp + begin, mp + begin, vp + begin, end - begin, c);
  });
}

// The shared step of both optimizers; `decoupled` is AdamW's form of weight decay.
template <class Options, class State, class Map>
torch::Tensor fused_step(std::vector<torch::optim::OptimizerParamGroup>& groups, Map& states,
                         const torch::optim::Optimizer::LossClosure& closure, bool decoupled) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : groups) {
    const auto& options = static_cast<const Options&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const auto key = state_key(states, p);
      auto found = states.find(key);
      if (found == states.end()) {
        auto state = std::make_unique<State>();
        state->step(0);
        state->exp_avg(torch::zeros_like(p, at::MemoryFormat::Preserve));
        state->exp_avg_sq(torch::zeros_like(p, at::MemoryFormat::Preserve));
        found = states.emplace(key, std::move(state)).first;
      }
      auto& state = static_cast<State&>(*found->second);
      state.step(state.step() + 1);
      const double beta1 = std::get<0>(options.betas());
      const double beta2 = std::get<1>(options.betas());
      const double bias_correction1 = 1 - std::pow(beta1, state.step());
      const double bias_correction2 = 1 - std::pow(beta2, state.step());
      const double wd = options.weight_decay();
      Coefficients c{};
      c.beta1 = static_cast<float>(beta1);
      c.one_minus_beta1 = static_cast<float>(1 - beta1);
      c.beta2 = static_cast<float>(beta2);
      c.one_minus_beta2 = static_cast<float>(1 - beta2);
      c.l2 = decoupled ? 0.0f : static_cast<float>(wd);
      c.decay = decoupled && wd != 0 ? static_cast<float>(1 - options.lr() * wd) : 1.0f;
      c.sqrt_bias_correction2 = static_cast<float>(std::sqrt(bias_correction2));
      c.eps = static_cast<float>(options.eps());
      c.step_size = static_cast<float>(options.lr() / bias_correction1);
      update(p, p.grad(), state.exp_avg(), state.exp_avg_sq(), c);
    }
  }
  return loss;
}

}  // namespace

torch::Tensor FusedAdam::step(LossClosure closure) {
  using Options = torch::optim::AdamOptions;
  if (!all_fusable<Options>(param_groups_)) return torch::optim::Adam::step(closure);
  return fused_step<Options, torch::optim::AdamParamState>(param_groups_, state_, closure,
                                                           /*decoupled=*/false);
}

torch::Tensor FusedAdamW::step(LossClosure closure) {
  using Options = torch::optim::AdamWOptions;
  if (!all_fusable<Options>(param_groups_)) return torch::optim::AdamW::step(closure);
  return fused_step<Options, torch::optim::AdamWParamState>(param_groups_, state_, closure,
                                                            /*decoupled=*/true);
}

}  // namespace aelab::train
