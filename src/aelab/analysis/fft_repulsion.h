#pragma once
// The repulsive forces of 2-D t-SNE by polynomial interpolation on an equispaced grid and FFT
// convolution (Linderman, Rachh, Hoskins, Steinerberger & Kluger 2019, "FIt-SNE"): the cost per
// iteration grows linearly with the number of points (plus the grid's FFTs), where Barnes-Hut
// grows as n log n with a large constant.
//
// The map's bounding square is cut into B x B boxes with p x p interpolation nodes each (nodes
// at (k + 1/2) / p of a box, so all B p nodes per axis are equispaced). Every point spreads four
// charges {1, y1, y2, |y|^2} onto the nodes of its box with Lagrange weights; the kernel
// K(d) = 1 / (1 + d^2)^2 between all node pairs is a Toeplitz product, done as a circular
// convolution of size 2Bp x 2Bp by FFT; the node potentials are interpolated back to the points.
// From the four potentials come sum_j w_ij^2 (y_i - y_j) and the normalization
// Z = sum_{i != j} w_ij, because w^2 (1 + |y_i - y_j|^2) = w.
//
// FFTs by FFTW3 (libfftw3-dev, a C library: no C++ ABI to clash with LibTorch's), which is
// optional at configure time: without it fft_repulsion_available() is false and the
// constructor throws.
#include <cstdint>
#include <memory>
#include <vector>

namespace aelab::analysis {

bool fft_repulsion_available();

struct FftRepulsionOptions {
  int nodes_per_box = 4;         // p: interpolation nodes per box and axis
  int min_boxes = 50;            // B is at least this ...
  double boxes_per_unit = 1.0;   // ... and at least this many boxes per unit of the map's extent
};

class FftRepulsion {
 public:
  explicit FftRepulsion(FftRepulsionOptions options = {}, int threads = 1);
  ~FftRepulsion();
  FftRepulsion(const FftRepulsion&) = delete;
  FftRepulsion& operator=(const FftRepulsion&) = delete;

  // y: n x 2 row-major. Writes force[2i..2i+1] = sum_j w_ij^2 (y_i - y_j) (not divided by Z)
  // and returns Z = sum_{i != j} w_ij.
  double repulsion(const double* y, int64_t n, double* force);

  // Boxes per axis of the last call (for tests and logs).
  int boxes() const { return boxes_; }

 private:
  struct Fft;
  void prepare_grid(int boxes, double box_width);

  FftRepulsionOptions options_;
  int threads_;
  int boxes_ = 0;
  std::unique_ptr<Fft> fft_;
  std::vector<double> weights_;      // n * 2p Lagrange weights (p for axis 1, then p for axis 2)
  std::vector<int32_t> box_;         // n * 2 box coordinates
  std::vector<int32_t> by_column_;   // points ordered by the box column (axis 1) they fall in
  std::vector<int64_t> column_start_;
};

}  // namespace aelab::analysis
