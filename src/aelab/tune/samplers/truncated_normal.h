#pragma once
// The standard normal distribution truncated to [a, b], as TPE's Parzen estimators need it:
// probability masses in log space that stay accurate far in the tails, and inverse-CDF sampling.
namespace aelab::tune::normal {

// Phi(x), the standard normal CDF.
double cdf(double x);
// log Phi(x), accurate for very negative x (asymptotic series below -37).
double log_cdf(double x);
// Phi^-1(p) for p in (0, 1); -inf / +inf at 0 / 1.
double quantile(double p);
// log(Phi(b) - Phi(a)) for a <= b, computed on the side of zero where it does not cancel.
double log_mass(double a, double b);
// A draw of the standard normal truncated to [a, b] from a uniform `u` in [0, 1).
double sample_truncated(double a, double b, double u);

}  // namespace aelab::tune::normal
