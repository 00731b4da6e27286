#include "harness/cli.h"

int main(int argc, char** argv) {
  return ys::run_cli(argc, argv);
}
