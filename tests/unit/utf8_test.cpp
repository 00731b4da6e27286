#include "util/utf8.h"

#include <gtest/gtest.h>

namespace ys {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(Utf8Test, ValidTextIsUnchanged) {
  for (std::string s : {"", "plain ascii", "caf\xC3\xA9",
                        "\xE2\x88\x92"
                        "3",
                        "\xF0\x9F\x98\x80"}) {
    EXPECT_TRUE(is_valid_utf8(s)) << s;
    EXPECT_EQ(valid_utf8(s), s);
  }
}

TEST(Utf8Test, Latin1ByteBecomesOneReplacementCharacter) {
  // "café" in Latin-1: 0xE9 starts a three-byte sequence that never continues.
  EXPECT_FALSE(is_valid_utf8("caf\xE9"));
  EXPECT_EQ(valid_utf8("caf\xE9 au lait"), "caf" + kReplacement + " au lait");
}

TEST(Utf8Test, SequenceCutAtTheEndIsReplacedBytewise) {
  // U+1F600 cut after two of its four bytes: two invalid bytes, two replacements.
  EXPECT_EQ(valid_utf8("ok \xF0\x9F"), "ok " + kReplacement + kReplacement);
}

TEST(Utf8Test, OverlongSurrogateAndOutOfRangeFormsAreInvalid) {
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // U+D800, a surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\x80"));              // a lone continuation byte
  EXPECT_TRUE(is_valid_utf8(valid_utf8("\xC0\xAF\xED\xA0\x80\xF4\x90\x80\x80\x80")));
}

TEST(Utf8Test, SequenceLengthNamesEachForm) {
  EXPECT_EQ(utf8_sequence_length("a", 0), 1u);
  EXPECT_EQ(utf8_sequence_length("\xC3\xA9", 0), 2u);
  EXPECT_EQ(utf8_sequence_length("\xE2\x88\x92", 0), 3u);
  EXPECT_EQ(utf8_sequence_length("\xF0\x9F\x98\x80", 0), 4u);
  EXPECT_EQ(utf8_sequence_length("\xE2\x88", 0), 0u);
}

}  // namespace
}  // namespace ys
