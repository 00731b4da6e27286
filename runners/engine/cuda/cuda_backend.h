// The CUDA backend (graph/backend.h) and the device-side sampling it offers. This header
// is plain C++: no CUDA header leaks out of cuda/. When the build has no CUDA Toolkit,
// cuda_stub.cpp defines these functions: cuda_available() says so and the rest throw.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runners/engine/graph/backend.h"

namespace ys::engine {

// True when this build has the CUDA backend and a CUDA device answers; otherwise false
// with a one-line reason in `why` ("built without CUDA", "no CUDA device: ...").
bool cuda_available(std::string* why);

// A CUDA backend for `model` on device 0: uploads every weight (in its GGUF block format)
// and norm vector. Supports F32, F16, BF16, Q8_0, Q4_0, Q4_K and Q6_K matrices and head
// sizes up to 256. Throws InputError naming the reason when CUDA is unavailable, a type is
// not supported, or memory runs out.
std::unique_ptr<Backend> make_cuda_backend(const Model& model);

// Device-side token choice over `n_rows` rows of `n_vocab` logits in device memory of
// `backend` (a CUDA backend, e.g. Backend::scratch):
// greedy: the argmax of each row, the lowest id on ties (as cpu argmax()).
std::vector<int32_t> cuda_argmax(Backend& backend, const float* logits, int n_rows, int n_vocab);
// log softmax(row r)[ids[r]], the sum of exponentials accumulated in double.
std::vector<double> cuda_log_softmax_at(Backend& backend, const float* logits, int n_rows,
                                        int n_vocab, const std::vector<int32_t>& ids);
// Sampling at `temperature` (> 0) among the tokens whose logit is at least the k-th
// largest (top_k > 0; ties at the threshold all kept) and, of those, the most likely
// ones whose probability first reaches top_p (by a threshold on the logit, ties kept);
// then the token where u[r] * (their total probability) falls when their probabilities
// are summed in id order. u[r] in [0, 1) comes from the caller's seeded generator, so a
// seed gives the same tokens on every run.
std::vector<int32_t> cuda_sample(Backend& backend, const float* logits, int n_rows, int n_vocab,
                                 float temperature, int top_k, float top_p,
                                 const std::vector<float>& u);

// Device memory bandwidth in bytes/s: the best of a few runs of a copy kernel over 1 GiB
// (bytes read + bytes written over the time).
double cuda_copy_bandwidth(Backend& backend);

// "NAME (N SMs, X GiB)" of device 0, or the reason there is none.
std::string cuda_device_name();

}  // namespace ys::engine
