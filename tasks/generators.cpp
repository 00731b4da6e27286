#include "tasks/generators.h"

#include "tasks/arith.h"

namespace ys {

Generator find_generator(const std::string& name) {
  if (name == "arith") return generate_arith;
  return nullptr;
}

}  // namespace ys
