#include "aelab/report/names.h"

#include <cctype>
#include <map>

namespace aelab::report {

std::string dataset_display_name(const std::string& name) {
  // Compared without case, '-', '_' or spaces, so every spelling of a dataset finds its name.
  std::string key;
  for (char c : name) {
    if (c == '-' || c == '_' || c == ' ') continue;
    key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  static const std::map<std::string, std::string> kNames = {
      {"mnist", "MNIST"},          {"fashionmnist", "Fashion-MNIST"},
      {"fmnist", "Fashion-MNIST"}, {"kmnist", "KMNIST"},
      {"emnist", "EMNIST"},        {"cifar10", "CIFAR-10"},
      {"cifar100", "CIFAR-100"},   {"svhn", "SVHN"},
      {"imagefolder", "image folder"},
  };
  const auto it = kNames.find(key);
  return it == kNames.end() ? name : it->second;
}

}  // namespace aelab::report
