// The CUDA backend: graph/backend.h on one GPU, with kernels.cu and cuBLAS.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "runners/engine/cpu/quant.h"
#include "runners/engine/cuda/cuda_backend.h"
#include "runners/engine/cuda/kernels.cuh"
#include "runners/engine/graph/model.h"
#include "util/error.h"

namespace ys::engine {
namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    throw InputError(std::string("CUDA: ") + what + " failed: " + cudaGetErrorString(e));
  }
}

void check(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) {
    throw InputError(std::string("cuBLAS: ") + what + " failed with status " +
                     std::to_string(static_cast<int>(s)));
  }
}

// cuBLAS, opened when the first CUDA backend is made rather than linked: linking it loads
// libcublasLt (over 500 MB) into every yardstick process at start, about 0.4 s of CPU and
// 200 MB resident even for runs that never touch a GPU (docs/PERFORMANCE.md, "Remote runs").
struct Cublas {
  decltype(&cublasCreate_v2) create = nullptr;
  decltype(&cublasDestroy_v2) destroy = nullptr;
  decltype(&cublasSetStream_v2) set_stream = nullptr;
  decltype(&cublasSgemm_v2) sgemm = nullptr;
  // The overload taking a cublasComputeType_t (the header also has a cudaDataType one).
  cublasStatus_t (*gemm_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                            const void*, const void*, cudaDataType, int, const void*, cudaDataType,
                            int, const void*, void*, cudaDataType, int, cublasComputeType_t,
                            cublasGemmAlgo_t) = nullptr;
};

// The library CMake found (YS_CUBLAS_LIBRARY), else its soname on the loader's path;
// throws InputError with dlerror()'s reason when neither opens or a symbol is missing.
const Cublas& cublas() {
  static const Cublas api = [] {
    const std::string soname = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
    void* lib = dlopen(YS_CUBLAS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) throw InputError(std::string("CUDA: cannot open cuBLAS: ") + dlerror());
    auto symbol = [lib](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, name));
      if (!fn) throw InputError(std::string("CUDA: cuBLAS has no ") + name);
    };
    Cublas c;
    symbol(c.create, "cublasCreate_v2");
    symbol(c.destroy, "cublasDestroy_v2");
    symbol(c.set_stream, "cublasSetStream_v2");
    symbol(c.sgemm, "cublasSgemm_v2");
    symbol(c.gemm_ex, "cublasGemmEx");
    return c;  // the library stays open for the process
  }();
  return api;
}

// A growable device buffer.
template <class T>
struct DeviceBuffer {
  T* ptr = nullptr;
  size_t size = 0;
  T* get(size_t n) {
    if (n > size) {
      if (ptr) cudaFree(ptr);
      ptr = nullptr;
      size = 0;
      check(cudaMalloc(&ptr, std::max<size_t>(n, 1) * sizeof(T)), "cudaMalloc");
      size = n;
    }
    return ptr;
  }
  ~DeviceBuffer() {
    if (ptr) cudaFree(ptr);
  }
};

// A device buffer and the host data last copied into it, so that unchanged metadata (the
// same rows for every layer of a forward pass) is not copied again.
template <class T>
struct Mirror {
  DeviceBuffer<T> dev;
  std::vector<T> host;
};

struct DeviceKv : KvStore {
  ~DeviceKv() override {
    if (k) cudaFree(k);
    if (v) cudaFree(v);
  }
};

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(const Model& model) : model_(model), c_(model.config()) {
    std::string why;
    if (!cuda_available(&why)) throw InputError("--device cuda: " + why);
    if (c_.head_dim > 256) {
      throw InputError(model.file().path() + ": head size " + std::to_string(c_.head_dim) +
                       " exceeds the CUDA backend's 256");
    }
    (void)cublas();  // loads libcublas (may throw) before anything needs freeing
    check(cudaSetDevice(0), "cudaSetDevice");
    check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    check(cublas().create(&blas_), "cublasCreate");
    check(cublas().set_stream(blas_, stream_), "cublasSetStream");
    upload_matrix(model.token_embedding(), "token_embd.weight");
    upload_matrix(model.output(), "output.weight");
    upload_vector(model.output_norm());
    for (const LayerWeights& l : model.layers()) {
      for (const WeightMatrix* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) {
        upload_matrix(*w, "a layer matrix");
      }
      for (const std::vector<float>* v : {&l.attn_norm, &l.ffn_norm, &l.bq, &l.bk, &l.bv}) {
        upload_vector(*v);
      }
    }
    check(cudaStreamSynchronize(stream_), "weight upload");
  }

  ~CudaBackend() override {
    for (auto& [host, dev] : weights_) cudaFree(dev);
    if (blas_) cublas().destroy(blas_);
    if (stream_) cudaStreamDestroy(stream_);
  }

  std::string name() const override { return "cuda"; }
  bool can_batch_with(const Backend& other) const override { return &other == this; }

  float* scratch(int id, size_t n) override { return scratch_[static_cast<size_t>(id)].get(n); }

  std::unique_ptr<KvStore> make_kv(int n_blocks, int block_size) override {
    auto kv = std::make_unique<DeviceKv>();
    kv->n_blocks = n_blocks;
    kv->block_size = block_size;
    kv->n_layers = c_.n_layers;
    kv->kv_dim = c_.n_kv_heads * c_.head_dim;
    const size_t bytes = kv->offset(n_blocks, 0, 0) * sizeof(float);
    check(cudaMalloc(&kv->k, bytes), "cudaMalloc (KV cache)");
    check(cudaMalloc(&kv->v, bytes), "cudaMalloc (KV cache)");
    return kv;
  }

  void copy_kv_block(KvStore& kv, int src, int dst) override {
    const size_t bytes = kv.offset(1, 0, 0) * sizeof(float);
    check(cudaMemcpyAsync(kv.k + kv.offset(dst, 0, 0), kv.k + kv.offset(src, 0, 0), bytes,
                          cudaMemcpyDeviceToDevice, stream_),
          "KV block copy");
    check(cudaMemcpyAsync(kv.v + kv.offset(dst, 0, 0), kv.v + kv.offset(src, 0, 0), bytes,
                          cudaMemcpyDeviceToDevice, stream_),
          "KV block copy");
  }

  void embedding(const WeightMatrix& emb, const int32_t* tokens, int n, float* x) override {
    int32_t* ids = ids_.get(static_cast<size_t>(n));
    put(ids, tokens, static_cast<size_t>(n));
    cuda::embedding(static_cast<uint32_t>(emb.type), dev(emb.data), row_bytes(emb.type, emb.cols),
                    emb.cols, ids, n, x, stream_);
  }

  void rms_norm(const float* x, const float* w, int n, int dim, float eps, float* out) override {
    cuda::rms_norm(x, dev(w), n, dim, eps, out, stream_);
  }

  void matmul(const WeightMatrix& w, const float* x, int n, float* y) override {
    const uint8_t* wd = dev(w.data);
    const uint32_t type = static_cast<uint32_t>(w.type);
    if (n <= 8) {  // decode: read the weights once in their own format
      cuda::matvec(type, wd, row_bytes(w.type, w.cols), w.rows, w.cols, x, n, y, stream_);
      return;
    }
    // Prefill and large batches: cuBLAS, f16/bf16 operands, f32 accumulation and output.
    // Y (col-major rows x n) = W^T(stored cols x rows)^T * X (col-major cols x n).
    const float one = 1.0f, zero = 0.0f;
    const int m = static_cast<int>(w.rows), k = static_cast<int>(w.cols);
    const size_t nx = static_cast<size_t>(n) * w.cols;
    if (w.type == GgmlType::kF32) {
      check(cublas().sgemm(blas_, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &one,
                           reinterpret_cast<const float*>(wd), k, x, k, &zero, y, m),
            "cublasSgemm");
      return;
    }
    uint16_t* xh = x16_.get(nx);
    const void* a = wd;
    cudaDataType_t t = CUDA_R_16BF;
    if (w.type == GgmlType::kF16) {
      cuda::to_f16(x, nx, xh, stream_);
      t = CUDA_R_16F;
    } else {
      cuda::to_bf16(x, nx, xh, stream_);
      if (w.type != GgmlType::kBF16) {
        uint16_t* wb = w16_.get(static_cast<size_t>(w.rows) * w.cols);
        cuda::dequantize_bf16(type, wd, row_bytes(w.type, w.cols), w.rows, w.cols, wb, stream_);
        a = wb;
      }
    }
    check(cublas().gemm_ex(blas_, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &one, a, t, k, xh, t, k, &zero,
                           y, CUDA_R_32F, m, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
          "cublasGemmEx");
  }

  void add_bias(float* x, const float* b, int n, int dim) override {
    cuda::add_bias(x, dev(b), n, dim, stream_);
  }

  void rope(float* x, const int32_t* pos, int n, int n_heads) override {
    int max_pos = 0;
    for (int t = 0; t < n; ++t) max_pos = std::max(max_pos, pos[t]);
    grow_rope(max_pos + 1);
    const int32_t* p = mirror(pos_, pos, static_cast<size_t>(n));
    cuda::rope(x, p, n, n_heads, c_.head_dim, c_.rope_dims, c_.rope_neox, cos_.ptr, sin_.ptr,
               stream_);
  }

  void attention(int layer, const float* q, const float* k, const float* v,
                 const AttentionRow* rows, int n, float* out) override {
    // Device rows and block tables: rows of one sequence share one copy of its table.
    rows_host_.clear();
    tables_host_.clear();
    tile_host_.clear();
    std::vector<size_t> table_at;
    const int32_t* prev_blocks = nullptr;
    int max_pos = 0;
    bool single = true;
    for (int t = 0; t < n; ++t) {
      const AttentionRow& r = rows[t];
      if (r.blocks != prev_blocks) {
        table_at.push_back(tables_host_.size());
        // This sequence's table up to the last position of its rows in this call.
        int last = r.pos;
        for (int u = t + 1; u < n && rows[u].blocks == r.blocks; ++u)
          last = std::max(last, rows[u].pos);
        tables_host_.insert(tables_host_.end(), r.blocks, r.blocks + last / r.kv->block_size + 1);
      }
      // Tiles: consecutive positions of one sequence, at most 16 rows.
      const bool extend = t > 0 && r.blocks == prev_blocks && r.pos == rows[t - 1].pos + 1 &&
                          t - tile_host_.back() < 16;
      if (!extend)
        tile_host_.push_back(t);
      else
        single = false;
      prev_blocks = r.blocks;
      max_pos = std::max(max_pos, r.pos);
      rows_host_.push_back({r.kv->k, r.kv->v, nullptr, r.kv->block_size, r.kv->n_layers, r.pos});
    }
    tile_host_.push_back(n);
    // Device addresses of the tables before they are filled in (the buffer only moves when
    // it grows, and then mirror() copies everything again).
    int32_t* old = tables_.dev.ptr;
    int32_t* tables = tables_.dev.get(tables_host_.size());
    if (tables != old) tables_.host.clear();
    size_t seq = 0;
    prev_blocks = nullptr;
    for (int t = 0; t < n; ++t) {
      if (rows[t].blocks != prev_blocks && t > 0) ++seq;
      prev_blocks = rows[t].blocks;
      rows_host_[static_cast<size_t>(t)].blocks = tables + table_at[seq];
    }
    mirror(tables_, tables_host_.data(), tables_host_.size());
    const cuda::AttnRow* drows = mirror(rows_, rows_host_.data(), rows_host_.size());
    const int kv_dim = c_.n_kv_heads * c_.head_dim;
    cuda::kv_store(drows, n, layer, kv_dim, k, v, stream_);
    if (single) {
      // Decode: split each row's positions so that the GPU has enough blocks to run.
      const int want = std::max(1, 1024 / std::max(1, n * c_.n_heads));
      const int split = std::max(64, (max_pos + 1 + want - 1) / want);
      const int n_splits = (max_pos + 1 + split - 1) / split;
      float* work = work_.get(static_cast<size_t>(n) * c_.n_heads * n_splits * (c_.head_dim + 2));
      cuda::attention_split(drows, n, layer, c_.n_heads, c_.n_kv_heads, c_.head_dim, q, out, work,
                            n_splits, split, stream_);
    } else {
      const int32_t* tiles = mirror(tiles_, tile_host_.data(), tile_host_.size());
      cuda::attention_tiled(drows, tiles, static_cast<int>(tile_host_.size()) - 1, layer,
                            c_.n_heads, c_.n_kv_heads, c_.head_dim, q, out, stream_);
    }
    check(cudaGetLastError(), "attention kernels");
  }

  void add(float* x, const float* y, size_t n) override { cuda::add(x, y, n, stream_); }

  void swiglu(float* gate, const float* up, size_t n) override {
    cuda::swiglu(gate, up, n, stream_);
  }

  const float* to_host(const float* x, size_t n) override {
    host_.resize(n);
    check(cudaMemcpyAsync(host_.data(), x, n * sizeof(float), cudaMemcpyDeviceToHost, stream_),
          "copy to host");
    check(cudaStreamSynchronize(stream_), "forward pass");
    return host_.data();
  }

  void upload(float* dst, const float* src, size_t n) override { put(dst, src, n); }

  cudaStream_t stream() const { return stream_; }

  // Host -> device copy of n items, ordered on the stream (pageable memory: the call
  // returns once the source has been staged, so it may be reused at once).
  template <class T>
  void put(T* dst, const T* src, size_t n) {
    check(cudaMemcpyAsync(dst, src, n * sizeof(T), cudaMemcpyHostToDevice, stream_), "upload");
  }

 private:
  // m's device copy of src[0..n), copied only when it differs from the last one.
  template <class T>
  const T* mirror(Mirror<T>& m, const T* src, size_t n) {
    T* old = m.dev.ptr;
    T* p = m.dev.get(n);
    if (p != old || m.host.size() != n || !std::equal(m.host.begin(), m.host.end(), src)) {
      m.host.assign(src, src + n);
      put(p, src, n);
    }
    return p;
  }

  const uint8_t* dev(const uint8_t* host) const {
    auto it = weights_.find(host);
    if (it == weights_.end()) throw InputError("CUDA backend: a weight that was not uploaded");
    return static_cast<const uint8_t*>(it->second);
  }
  const float* dev(const float* host) const {
    return reinterpret_cast<const float*>(dev(reinterpret_cast<const uint8_t*>(host)));
  }

  void upload_bytes(const void* host, size_t bytes) {
    if (!host || weights_.count(host)) return;
    void* d = nullptr;
    check(cudaMalloc(&d, bytes), "cudaMalloc (weights)");
    weights_[host] = d;
    check(cudaMemcpy(d, host, bytes, cudaMemcpyHostToDevice), "weight upload");
  }

  void upload_matrix(const WeightMatrix& w, const char* what) {
    if (!cuda::supported(static_cast<uint32_t>(w.type))) {
      throw InputError(model_.file().path() + ": " + what + " of type " + type_name(w.type) +
                       " is not supported by the CUDA backend (F32, F16, BF16, Q8_0, Q4_0, "
                       "Q4_K, Q6_K)");
    }
    upload_bytes(w.data, row_bytes(w.type, w.cols) * static_cast<size_t>(w.rows));
  }

  void upload_vector(const std::vector<float>& v) {
    if (!v.empty()) upload_bytes(v.data(), v.size() * sizeof(float));
  }

  void grow_rope(int n) {
    if (n <= rope_n_) return;
    const int want = std::max(n, 2 * rope_n_);
    const size_t half = static_cast<size_t>(c_.rope_dims / 2);
    std::vector<float> cs(static_cast<size_t>(want) * half), sn(cs.size());
    rope_angles(c_, 0, want, cs.data(), sn.data());
    // The old tables may be read by queued kernels: wait before replacing them.
    check(cudaStreamSynchronize(stream_), "rope tables");
    put(cos_.get(cs.size()), cs.data(), cs.size());
    put(sin_.get(sn.size()), sn.data(), sn.size());
    rope_n_ = want;
  }

  const Model& model_;
  const ModelConfig& c_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  std::unordered_map<const void*, void*> weights_;
  DeviceBuffer<float> scratch_[kScratchSlots];
  DeviceBuffer<uint16_t> x16_, w16_;
  DeviceBuffer<int32_t> ids_;
  Mirror<int32_t> pos_, tables_, tiles_;
  Mirror<cuda::AttnRow> rows_;
  DeviceBuffer<float> work_, cos_, sin_;
  int rope_n_ = 0;
  std::vector<int32_t> tables_host_, tile_host_;
  std::vector<cuda::AttnRow> rows_host_;
  std::vector<float> host_;
};

CudaBackend& cuda_of(Backend& b) {
  auto* c = dynamic_cast<CudaBackend*>(&b);
  if (!c) throw InputError("not a CUDA backend");
  return *c;
}

}  // namespace

bool cuda_available(std::string* why) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n == 0) {
    if (why)
      *why = std::string("no CUDA device: ") +
             (e != cudaSuccess ? cudaGetErrorString(e) : "none found");
    cudaGetLastError();  // clear the sticky error of a missing driver
    return false;
  }
  return true;
}

std::string cuda_device_name() {
  std::string why;
  if (!cuda_available(&why)) return why;
  cudaDeviceProp p{};
  if (cudaGetDeviceProperties(&p, 0) != cudaSuccess) return "unknown CUDA device";
  return std::string(p.name) + " (" + std::to_string(p.multiProcessorCount) + " SMs, " +
         std::to_string(p.totalGlobalMem >> 30) + " GiB)";
}

std::unique_ptr<Backend> make_cuda_backend(const Model& model) {
  return std::make_unique<CudaBackend>(model);
}

std::vector<int32_t> cuda_argmax(Backend& backend, const float* logits, int n_rows, int n_vocab) {
  CudaBackend& b = cuda_of(backend);
  DeviceBuffer<int32_t> out;
  cuda::argmax(logits, n_rows, n_vocab, out.get(static_cast<size_t>(n_rows)), b.stream());
  std::vector<int32_t> host(static_cast<size_t>(n_rows));
  check(cudaMemcpyAsync(host.data(), out.ptr, host.size() * 4, cudaMemcpyDeviceToHost, b.stream()),
        "argmax");
  check(cudaStreamSynchronize(b.stream()), "argmax");
  return host;
}

std::vector<double> cuda_log_softmax_at(Backend& backend, const float* logits, int n_rows,
                                        int n_vocab, const std::vector<int32_t>& ids) {
  CudaBackend& b = cuda_of(backend);
  DeviceBuffer<int32_t> dids;
  DeviceBuffer<double> out;
  b.put(dids.get(ids.size()), ids.data(), ids.size());
  cuda::log_softmax_at(logits, n_rows, n_vocab, dids.ptr, out.get(static_cast<size_t>(n_rows)),
                       b.stream());
  std::vector<double> host(static_cast<size_t>(n_rows));
  check(cudaMemcpyAsync(host.data(), out.ptr, host.size() * 8, cudaMemcpyDeviceToHost, b.stream()),
        "log softmax");
  check(cudaStreamSynchronize(b.stream()), "log softmax");
  return host;
}

std::vector<int32_t> cuda_sample(Backend& backend, const float* logits, int n_rows, int n_vocab,
                                 float temperature, int top_k, float top_p,
                                 const std::vector<float>& u) {
  CudaBackend& b = cuda_of(backend);
  if (temperature <= 0) return cuda_argmax(backend, logits, n_rows, n_vocab);
  DeviceBuffer<float> du;
  DeviceBuffer<int32_t> out;
  b.put(du.get(u.size()), u.data(), u.size());
  cuda::sample(logits, n_rows, n_vocab, temperature, top_k, top_p, du.ptr,
               out.get(static_cast<size_t>(n_rows)), b.stream());
  std::vector<int32_t> host(static_cast<size_t>(n_rows));
  check(cudaMemcpyAsync(host.data(), out.ptr, host.size() * 4, cudaMemcpyDeviceToHost, b.stream()),
        "sample");
  check(cudaStreamSynchronize(b.stream()), "sample");
  return host;
}

double cuda_copy_bandwidth(Backend& backend) {
  CudaBackend& b = cuda_of(backend);
  const size_t n = (size_t{512} << 20) / sizeof(float4);  // 512 MiB each way
  DeviceBuffer<float4> src, dst;
  src.get(n);
  dst.get(n);
  check(cudaMemsetAsync(src.ptr, 0, n * sizeof(float4), b.stream()), "memset");
  cudaEvent_t t0, t1;
  check(cudaEventCreate(&t0), "event");
  check(cudaEventCreate(&t1), "event");
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    check(cudaEventRecord(t0, b.stream()), "event");
    cuda::copy(src.ptr, dst.ptr, n, b.stream());
    check(cudaEventRecord(t1, b.stream()), "event");
    check(cudaEventSynchronize(t1), "copy kernel");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, t0, t1), "event");
    best = std::max(best, 2.0 * static_cast<double>(n * sizeof(float4)) / (ms / 1e3));
  }
  cudaEventDestroy(t0);
  cudaEventDestroy(t1);
  return best;
}

}  // namespace ys::engine
