// Choosing the backend a local model runs on: `--device cpu|cuda|auto`.
#pragma once

#include <memory>
#include <string>

#include "runners/engine/graph/backend.h"

namespace ys::engine {

enum class Device { kCpu, kCuda, kAuto };

// "cpu", "cuda" or "auto". Throws InputError naming the value otherwise.
Device parse_device(const std::string& name);

// The backend for `model`: kCpu the CPU on `pool`; kCuda the GPU, or InputError
// "--device cuda: no CUDA device: ..." when there is none (the CLI exits 2); kAuto the GPU
// when one answers, else the CPU with `note` set to one line saying why (else cleared).
std::unique_ptr<Backend> make_backend(Device device, const Model& model, ThreadPool& pool,
                                      std::string* note);

}  // namespace ys::engine
