// The CPython random port against values printed by CPython 3.11.7 (python3 on this
// machine), e.g. `r = random.Random(1234); [r.random() for _ in range(3)]`.
#include "tasks/python_random.h"

#include <gtest/gtest.h>

#include <numeric>
#include <stdexcept>

namespace ys {
namespace {

std::vector<size_t> sizes(std::initializer_list<size_t> v) {
  return v;
}

TEST(PythonRandom, Seed1234RandomMatchesCPython) {
  PythonRandom r(1234);
  EXPECT_EQ(r.random(), 0.9664535356921388);
  EXPECT_EQ(r.random(), 0.4407325991753527);
  EXPECT_EQ(r.random(), 0.007491470058587191);
}

TEST(PythonRandom, OtherSeedsMatchCPython) {
  EXPECT_EQ(PythonRandom(0).random(), 0.8444218515250481);
  EXPECT_EQ(PythonRandom(5).random(), 0.6229016948897019);  // Random(-5) gives the same
  PythonRandom big((uint64_t{1} << 40) + 7);                // a two-word key
  EXPECT_EQ(big.random(), 0.6137037779936511);
  EXPECT_EQ(big.getrandbits(32), 3500038837u);
}

TEST(PythonRandom, GetrandbitsMatchesCPython) {
  PythonRandom r(1234);
  EXPECT_EQ(r.getrandbits(32), 4150886329u);
  EXPECT_EQ(r.getrandbits(32), 3342196574u);
  EXPECT_EQ(r.getrandbits(32), 1892932127u);
  PythonRandom s(1234);  // getrandbits(64), (5), (1), (33)
  EXPECT_EQ(s.getrandbits(64), 14354624986284130233ull);
  EXPECT_EQ(s.getrandbits(5), 14u);
  EXPECT_EQ(s.getrandbits(1), 0u);
  EXPECT_EQ(s.getrandbits(33), 32175636u);
  EXPECT_EQ(s.getrandbits(0), 0u);
  EXPECT_THROW(s.getrandbits(65), std::invalid_argument);
}

TEST(PythonRandom, RandbelowMatchesCPython) {
  PythonRandom r(1234);  // [r._randbelow(n) for n in (1, 2, 3, 1000, 7473)]
  std::vector<uint64_t> got;
  for (uint64_t n : {1, 2, 3, 1000, 7473}) got.push_back(r.randbelow(n));
  EXPECT_EQ(got, (std::vector<uint64_t>{0, 0, 0, 92, 7462}));
  EXPECT_THROW(r.randbelow(0), std::invalid_argument);
}

TEST(PythonRandom, SampleSetBranchMatchesCPython) {
  PythonRandom r(1234);  // two calls of sample(range(7473), 5): GSM8K's first two draws
  EXPECT_EQ(r.sample(7473, 5), sizes({6374, 3610, 957, 61, 742}));
  EXPECT_EQ(r.sample(7473, 5), sizes({7462, 6610, 4769, 286, 5501}));
  PythonRandom big(1234);  // k > 5 with n above the set size 21 + 4^ceil(log4(90)) = 277
  EXPECT_EQ(big.sample(1000, 30),
            sizes({989, 796, 451, 119, 7,  92, 932, 965, 961, 826, 596, 35,  687, 709, 85,
                   100, 784, 363, 242, 17, 31, 807, 16,  354, 663, 638, 495, 630, 474, 152}));
}

TEST(PythonRandom, SamplePoolBranchAndTheBoundaryMatchCPython) {
  PythonRandom r(1234);
  EXPECT_EQ(r.sample(10, 10), sizes({7, 1, 0, 9, 4, 6, 5, 3, 8, 2}));
  PythonRandom z(0);  // n = 21 is a pool for k = 5, n = 22 a set
  EXPECT_EQ(z.sample(21, 5), sizes({12, 13, 1, 8, 16}));
  EXPECT_EQ(z.sample(22, 5), sizes({15, 12, 9, 11, 18}));
  PythonRandom b(1234);  // k = 30: n = 277 is a pool, n = 278 a set
  EXPECT_EQ(b.sample(277, 30),
            sizes({225, 59,  3,  46, 17, 42,  50,  181, 121, 8,   15,  267, 177, 247, 237,
                   76,  273, 93, 58, 7,  249, 127, 16,  170, 138, 233, 119, 272, 153, 172}));
  EXPECT_EQ(b.sample(278, 30),
            sizes({45, 263, 23,  138, 32,  154, 246, 181, 136, 127, 102, 232, 271, 9,  260,
                   36, 2,   170, 73,  242, 193, 85,  27,  39,  254, 83,  38,  110, 13, 177}));
  PythonRandom c(42);
  EXPECT_EQ(c.sample(100, 30), sizes({81, 14, 3,  94, 35, 31, 28, 17, 13, 86, 69, 11, 75, 54, 4,
                                      97, 88, 27, 29, 64, 77, 84, 71, 25, 89, 53, 93, 57, 95, 0}));
  EXPECT_THROW(c.sample(3, 4), std::invalid_argument);
}

TEST(PythonRandom, ShuffleMatchesCPython) {
  PythonRandom r(7);  // x = list(range(10)); Random(7).shuffle(x)
  std::vector<int> x(10);
  std::iota(x.begin(), x.end(), 0);
  r.shuffle(x);
  EXPECT_EQ(x, (std::vector<int>{8, 3, 1, 4, 7, 0, 9, 6, 2, 5}));
}

}  // namespace
}  // namespace ys
