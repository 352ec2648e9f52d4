#pragma once
// Downloads the official files of mnist, fashion-mnist and cifar10 (binary release) into
// <dest_dir>/<name>/, the layout load_dataset searches (so dest_dir can be passed as --data-dir
// or $AELAB_DATA). Every file is written to a temporary name and renamed only once verified.
#include <filesystem>
#include <string>
#include <vector>

namespace aelab::data {

// Names fetch_dataset knows.
const std::vector<std::string>& fetchable_datasets();

// Downloads (https through libcurl) and verifies: MNIST and Fashion-MNIST by the SHA-256 of each
// file's decompressed content (mirrors recompress the .gz files, the content never changes);
// CIFAR-10 by archive size and per-batch record counts, then extracted. Files already present and
// valid are not downloaded again. base_url_override replaces the folder URL the files are
// fetched from (mirrors, tests). A checksum mismatch is an error naming the file and both hashes.
void fetch_dataset(const std::string& name, const std::filesystem::path& dest_dir,
                   const std::string& base_url_override = "");

}  // namespace aelab::data
