// The CUDA entry points of a build without the CUDA Toolkit (cuda/cuda_backend.h).
#include "runners/engine/cuda/cuda_backend.h"
#include "util/error.h"

namespace ys::engine {
namespace {

[[noreturn]] void unavailable() {
  throw InputError("this yardstick was built without the CUDA Toolkit (no CUDA backend)");
}

}  // namespace

bool cuda_available(std::string* why) {
  if (why) *why = "built without CUDA";
  return false;
}
std::unique_ptr<Backend> make_cuda_backend(const Model&) {
  unavailable();
}
std::vector<int32_t> cuda_argmax(Backend&, const float*, int, int) {
  unavailable();
}
std::vector<double> cuda_log_softmax_at(Backend&, const float*, int, int,
                                        const std::vector<int32_t>&) {
  unavailable();
}
std::vector<int32_t> cuda_sample(Backend&, const float*, int, int, float, int, float,
                                 const std::vector<float>&) {
  unavailable();
}
double cuda_copy_bandwidth(Backend&) {
  unavailable();
}
std::string cuda_device_name() {
  return "built without CUDA";
}

}  // namespace ys::engine
