#include "tasks/generators.h"

#include "tasks/arith.h"
#include "tasks/gen/gen.h"

namespace ys {

Generator find_generator(const std::string& name) {
  if (name == "arith") return generate_arith;
  if (name == "gen_arith_word") return generate_word_problems;
  if (name == "gen_logic_grid") return generate_logic_grids;
  if (name == "gen_algebra") return generate_algebra;
  return nullptr;
}

}  // namespace ys
