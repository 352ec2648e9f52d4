// aelab studies --storage URL [--format table|csv|json] [--upgrade-schema]
// aelab study <storage> <name> [--out DIR] [--format table|csv|json]
//
// Looking at studies, as Optuna's CLI does (`optuna studies`, `optuna trials`): both open an
// existing database and create nothing. csv and json print only the data, so they pipe into
// other tools (json: records, what pandas.read_json(..., orient="records") reads).
#include <filesystem>
#include <iostream>
#include <memory>

#include "aelab/core/error.h"
#include "aelab/core/paths.h"
#include "aelab/storage/schema_revisions.h"
#include "aelab/storage/storage.h"
#include "aelab/tune/study_report.h"
#include "commands.h"

namespace aelab::cli {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kFormats = {"table", "csv", "json"};

void add_format_option(CLI::App& cmd, std::string& format) {
  cmd.add_option("--format", format, "table (default), csv, or json (records, for pandas)")
      ->check(CLI::IsMember(kFormats));
}

// Prints `table` as text, or in full precision as CSV, or `records` as JSON.
void print(const std::string& format, const report::Table& text_table,
           const report::Table& exact_table, const nlohmann::ordered_json& records) {
  if (format == "csv") {
    std::cout << exact_table.to_csv();
  } else if (format == "json") {
    std::cout << records.dump(1) << "\n";
  } else {
    std::cout << text_table.to_text();
  }
}

std::string revision_text(const std::string& id) {
  const auto* revision = storage::find_revision(id);
  return revision ? id + " (" + revision->optuna + ")" : id;
}

struct StudiesArgs {
  std::string storage;
  std::string format = "table";
  bool upgrade_schema = false;
};

int run_studies(const StudiesArgs& args) {
  auto storage = storage::open_storage(args.storage, storage::OpenMode::kExisting);
  const bool table = args.format == "table";
  if (args.upgrade_schema) {
    const auto& newest = storage::newest_revision();
    std::string before = storage->upgrade_schema(newest.id);
    // The data formats keep stdout to the data.
    std::ostream& out = table ? std::cout : std::cerr;
    if (before == newest.id) {
      out << "storage " << storage->url() << ": schema revision " << revision_text(before)
          << " is already the newest aelab knows; nothing changed\n";
    } else {
      out << "storage " << storage->url() << ": schema revision " << revision_text(before)
          << " upgraded to " << revision_text(newest.id) << "; "
          << storage::find_revision(before)->optuna << " no longer opens it\n";
    }
  }
  auto studies = tune::study_overviews(*storage);
  if (table && studies.empty()) {
    std::cout << "no studies in " << storage->url() << "\n";
  } else {
    print(args.format, tune::studies_table(studies), tune::studies_table(studies, true),
          tune::studies_records(studies));
  }
  if (table) {
    std::cout << "storage " << storage->url() << ": schema revision "
              << revision_text(storage->schema_revision()) << std::endl;
  }
  return 0;
}

struct StudyArgs {
  std::string storage, name, out;
  std::string format = "table";
};

int run_study(const StudyArgs& args) {
  auto storage = storage::open_storage(args.storage, storage::OpenMode::kExisting);
  int64_t id = storage->get_study_id(args.name);
  auto direction = storage->get_study_direction(id);
  auto trials = storage->get_all_trials(id);
  const bool table = args.format == "table";
  // The table format always leaves the report folder; the data formats only when asked to.
  fs::path out;
  if (!args.out.empty()) {
    out = args.out;
  } else if (table) {
    out = fs::path("runs") / (args.name + "-report");
  }
  if (!out.empty()) {
    ensure_directory(out);
    tune::write_study_report(trials, direction, out);
  }
  print(args.format, tune::trials_table(trials), tune::trials_table(trials, true),
        tune::trials_records(trials));
  if (table) {
    if (const auto* best = tune::best_trial(trials, direction)) {
      std::cout << "best trial " << best->number << ": value " << *best->value << "\n";
    }
    std::cout << "report: " << out.string() << std::endl;
  }
  return 0;
}

}  // namespace

void add_studies_commands(CLI::App& app, const GlobalOptions&, Command& run) {
  auto sargs = std::make_shared<StudiesArgs>();
  auto* list = app.add_subcommand("studies", "list a storage's studies: trials by state, best value");
  list->add_option("--storage", sargs->storage, "sqlite:///file.db, file.db or postgresql://...")
      ->required();
  add_format_option(*list, sargs->format);
  list->add_flag("--upgrade-schema", sargs->upgrade_schema,
                 "first migrate the database to the newest Optuna schema revision aelab knows ("
                 "for current Optuna and optuna-dashboard; Debian's Optuna 3.1 then refuses it)");
  list->callback([sargs, &run] { run = [sargs] { return run_studies(*sargs); }; });

  auto args = std::make_shared<StudyArgs>();
  auto* show = app.add_subcommand("study", "tables and pictures of a study's trials");
  show->add_option("storage", args->storage, "sqlite:///file.db, file.db or postgresql://...")
      ->required();
  show->add_option("name", args->name, "study name")->required();
  show->add_option("-o,--out", args->out,
                   "folder for the report (default with --format table: runs/<name>-report)");
  add_format_option(*show, args->format);
  show->callback([args, &run] { run = [args] { return run_study(*args); }; });
}

}  // namespace aelab::cli
