// One evaluated item: what tasks/ builds from a dataset record and scorers read.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ys {

struct Sample {
  std::string id;
  nlohmann::json fields;  // the task's fields (after the spec's field mapping)
  std::string reference;  // the gold answer, normalized (multiple choice: the gold label)
  // Multiple-choice tasks: each choice's label and rendered target, and the gold choice.
  std::vector<std::string> choice_labels;
  std::vector<std::string> choice_targets;
  size_t gold = 0;
};

}  // namespace ys
