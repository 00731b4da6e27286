#include "runners/engine/device.h"

#include "runners/engine/cuda/cuda_backend.h"
#include "util/error.h"

namespace ys::engine {

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::kCpu;
  if (name == "cuda") return Device::kCuda;
  if (name == "auto") return Device::kAuto;
  throw InputError("--device '" + name + "': expected cpu, cuda or auto");
}

std::unique_ptr<Backend> make_backend(Device device, const Model& model, ThreadPool& pool,
                                      std::string* note) {
  if (note) note->clear();
  if (device == Device::kCpu) return make_cpu_backend(model, pool);
  std::string why;
  if (cuda_available(&why)) return make_cuda_backend(model);
  if (device == Device::kCuda) throw InputError("--device cuda: " + why);
  if (note) *note = "--device auto: " + why + "; running on the CPU";
  return make_cpu_backend(model, pool);
}

}  // namespace ys::engine
