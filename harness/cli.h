// The `yardstick` command line.
#pragma once

namespace ys {

// Exit statuses of the yardstick command.
enum ExitCode : int {
  kExitOk = 0,
  kExitRunFailed = 1,    // the run started but could not finish (fatal API error, store)
  kExitBadInput = 2,     // nothing ran: bad arguments, task, spec, dataset or model
  kExitIncomplete = 3,   // every run ended, but some samples are stored with errors, unscored
  kExitBudgetSpent = 4,  // --time-budget ran out before every sample was answered (resumable)
  kExitInterrupted = 130,
};

// Parses `argv` and runs the chosen subcommand; returns the exit status.
int run_cli(int argc, char** argv);

}  // namespace ys
