// Placeholder registration until this command's implementation lands (being written now).
#include "commands.h"

namespace aelab::cli {

void add_finetune_command(CLI::App&, const GlobalOptions&, Command&) {}

}  // namespace aelab::cli
