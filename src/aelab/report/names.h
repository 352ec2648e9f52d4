#pragma once
// Names as people write them in figures and papers, for the identifiers aelab uses in files.
#include <string>

namespace aelab::report {

// "fashion-mnist" (or "fashion_mnist", "FashionMNIST") -> "Fashion-MNIST", "mnist" -> "MNIST",
// "cifar10" -> "CIFAR-10", "cifar100" -> "CIFAR-100", "image-folder" -> "image folder"; any
// other name is returned as it is.
std::string dataset_display_name(const std::string& name);

}  // namespace aelab::report
