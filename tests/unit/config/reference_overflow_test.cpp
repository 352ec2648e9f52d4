// Found with the fuzz_layer_spec target (fuzz/, issue 16 item 9; an extreme-value input run under
// UBSan): a scaled reference "$n*K" was multiplied in int64_t unchecked, so a large K overflowed.
#include <gtest/gtest.h>

#include "aelab/config/document.h"
#include "aelab/config/section.h"
#include "error_of.h"

using aelab::config::Document;
using aelab::config::Section;
using aelab::testing::error_of;

TEST(SectionReferences, ScaledReferenceThatOverflowsIsAnError) {
  auto doc = Document::parse("[params]\nn = 4\n[layer]\nunits = \"$n*4611686018427387904\"\n",
                             "e.toml");
  Section layer(doc, "layer");
  layer.allow_references();
  EXPECT_EQ(error_of([&] { layer.get_int("units", 0); }),
            "e.toml:4: layer.units: $n*4611686018427387904 = 4 * 4611686018427387904 does not "
            "fit a 64-bit integer");
}

TEST(SectionReferences, ScaledReferenceAtTheLimitsStillWorks) {
  auto doc = Document::parse(
      "[params]\nn = -1\n[layer]\nlow = \"$n*9223372036854775807\"\nhigh = \"$n*-9223372036854775807\"\n",
      "e.toml");
  Section layer(doc, "layer");
  layer.allow_references();
  EXPECT_EQ(layer.get_int("low", 0), -9223372036854775807);
  EXPECT_EQ(layer.get_int("high", 0), 9223372036854775807);
}
