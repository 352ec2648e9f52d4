"""Reference numbers for parzen_estimator_test.cpp, from Optuna 3.1's _ParzenEstimator (Debian
python3-optuna) and SciPy. Run with /usr/bin/python3 and paste the output into the test.

"optuna" lines are Optuna 3.1's own log_pdf (aelab's default). "normalized" lines are the
mixture of scipy.stats.truncnorm densities with Optuna's kernel means, bandwidths and weights:
what aelab computes with ParzenOptions::normalized_kernels (3.1 lacks -log(sigma), optuna#5109).
"""
import numpy as np
from scipy.stats import truncnorm
from optuna import distributions as D
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import default_weights

params = _ParzenEstimatorParameters(True, 1.0, True, False, default_weights, False)

def continuous(name, dist, obs, xs, log=False):
    discrete(name, dist, obs, xs)
    pe = _ParzenEstimator({name: np.asarray(obs, float)}, {name: dist}, params)
    mus, sigmas, w = pe._mus[name], pe._sigmas[name], pe._weights
    lo, hi = pe._low[name], pe._high[name]
    out = []
    for x in xs:
        m = np.log(x) if log else x
        dens = sum(wk * truncnorm.pdf(m, (lo - mu) / s, (hi - mu) / s, loc=mu, scale=s)
                   for wk, mu, s in zip(w, mus, sigmas))
        out.append(np.log(dens))
    print(name, "normalized {" + ", ".join(repr(float(v)) for v in out) + "}")

def discrete(name, dist, obs, xs):
    pe = _ParzenEstimator({name: np.asarray(obs, float)}, {name: dist}, params)
    out = pe.log_pdf({name: np.asarray(xs, dtype=float if not isinstance(dist, D.CategoricalDistribution) else int)})
    print(name, "optuna {" + ", ".join(repr(float(v)) for v in out) + "}")

continuous("float", D.FloatDistribution(-5.0, 10.0), [1.0, 2.5, -4.0, 7.0, 3.0, 2.9], [-5.0, 0.0, 2.7, 9.9])
continuous("float_log", D.FloatDistribution(1e-4, 1e-1, log=True), [1e-3, 2e-3, 5e-2], [1e-4, 1e-3, 3e-2],
           log=True)
discrete("int_step", D.IntDistribution(4, 32, step=4), [8, 8, 16, 32], [4, 8, 20, 32])
discrete("float_step", D.FloatDistribution(0.0, 1.0, step=0.25), [0.25, 0.5, 0.5], [0.0, 0.5, 1.0])
discrete("categorical", D.CategoricalDistribution(["a", "b", "c"]), [0, 0, 2], [0, 1, 2])
# 30 observations: the linear ramp of default_weights is in play.
obs30 = [float((i * 7) % 30) / 3.0 for i in range(30)]
continuous("float_ramp", D.FloatDistribution(0.0, 10.0), obs30, [0.5, 5.0, 9.5])
