#pragma once
// suite-report.md: the comparison a suite exists for, made from what its jobs left on disk (so
// it can be rewritten after every step, and of an interrupted suite). Per step:
//   train, refit   runs x metrics (the varied fields, test loss, PSNR, SSIM, best epoch, epochs
//                  run, train time), overlaid curves of the runs (validation / test loss and PSNR
//                  per epoch), the reconstructions side by side; refit adds the study's best
//                  parameters it trained with
//   tune           the study's trials table, best trial, history, parallel coordinates,
//                  intermediate values and importance (tune/<step>/report/)
//   eval           the robustness table (MSE / PSNR / SSIM per corruption and run) and pictures
//   latent         the runs' maps side by side per method, trustworthiness and k-NN accuracy
//   sample, interpolate   the runs' pictures side by side
//   finetune       mode x label budget: classifier, linear probe and k-NN test accuracy, mean
//                  and spread over the label draws
// Plots are PNG with a PDF copy (report/plot.h). suite-report.html beside it is the same report
// as a page for a browser, its pictures linked relatively. No torch here.
#include "aelab/suite/layout.h"
#include "aelab/suite/suite_file.h"

namespace aelab::suite {

void write_suite_report(const SuiteSpec& spec, const Layout& layout);

}  // namespace aelab::suite
