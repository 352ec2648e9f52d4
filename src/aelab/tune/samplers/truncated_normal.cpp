#include "aelab/tune/samplers/truncated_normal.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace aelab::tune::normal {

namespace {
constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kLogSqrt2Pi = 0.91893853320467274178;
constexpr double kSqrt2Pi = 2.50662827463100050242;

// log(exp(p) - exp(q)) for p >= q.
double log_diff(double p, double q) {
  if (q == -std::numeric_limits<double>::infinity()) return p;
  return p + std::log1p(-std::exp(q - p));
}
}  // namespace

double cdf(double x) { return 0.5 * std::erfc(-x * kSqrt1_2); }

double log_cdf(double x) {
  if (x > 6) return std::log1p(-cdf(-x));
  if (x > -37) return std::log(cdf(x));
  // Phi(x) ~ phi(x)/(-x) * (1 - 1/x^2 + 3/x^4 - 15/x^6 ...) for x -> -inf.
  double log_lead = -0.5 * x * x - std::log(-x) - kLogSqrt2Pi;
  double inv_x2 = 1.0 / (x * x);
  double term = 1.0, sum = 1.0;
  for (int i = 1; i < 12; ++i) {
    term *= -(2 * i - 1) * inv_x2;
    sum += term;
  }
  return log_lead + std::log(sum);
}

double quantile(double p) {
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();
  // Rational approximation of Phi^-1 (P. J. Acklam, relative error 1.15e-9), then one Halley
  // step against erfc, which brings it to full double precision.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                             -2.759285104469687e+02, 1.383577518672690e+02,
                             -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                             -1.556989798598866e+02, 6.680131188771972e+01,
                             -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                             -2.400758277161838e+00, -2.549732539343734e+00,
                             4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                             2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  double x;
  if (p < kLow) {
    double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - kLow) {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    double q = std::sqrt(-2 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  double e = cdf(x) - p;
  double u = e * kSqrt2Pi * std::exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

double log_mass(double a, double b) {
  if (b <= 0) return log_diff(log_cdf(b), log_cdf(a));
  if (a > 0) return log_diff(log_cdf(-a), log_cdf(-b));
  // Straddling zero: both tails are small, 1 - tails does not cancel.
  return std::log1p(-cdf(a) - cdf(-b));
}

double sample_truncated(double a, double b, double u) {
  if (a > 0) return -sample_truncated(-b, -a, 1.0 - u);
  // Here a <= 0: Phi(a) <= 0.5 is exact enough; draw the left half from the lower tail and the
  // right half from the upper tail so neither loses digits to 1 - p.
  double pa = cdf(a), pb = cdf(b);
  if (!(pb > pa)) return std::clamp(0.0, a, b);
  double p = pa + u * (pb - pa);
  double x;
  if (p < 0.5) {
    x = quantile(p);
  } else {
    double qa = cdf(-a), qb = cdf(-b);
    x = -quantile(qb + (1.0 - u) * (qa - qb));
  }
  return std::clamp(x, a, b);
}

}  // namespace aelab::tune::normal
