// Found with the fuzz_layer_spec target (fuzz/, issue 16 item 9; extreme-value inputs under UBSan):
// layer options of any int64_t size reached the shape arithmetic (in + 2 * padding, kernel - 1)
// and overflowed it for padding, kernel or stride near 2^63. They are now refused as they are read.
#include <gtest/gtest.h>

#include "aelab/config/document.h"
#include "aelab/models/layer_spec.h"
#include "aelab/models/model_spec.h"
#include "error_of.h"

using namespace aelab;
using aelab::testing::error_of;

namespace {

models::ModelSpec model(const std::string& encoder) {
  return models::read_model_spec(config::Document::parse(
      "[params]\nn = 3\n[model]\nencoder = " + encoder + "\n", "e.toml"));
}

}  // namespace

TEST(LayerSpecBounds, HugeOptionsAreRefusedNamingLayerAndOption) {
  EXPECT_EQ(error_of([] { model("[{ conv2d = { filters = 2, padding = 9223372036854775807 } }]"); }),
            "e.toml:4: model.encoder[0] (conv2d): padding = 9223372036854775807: expected at most "
            "2147483647");
  EXPECT_EQ(error_of([] { model("[{ conv2d = { filters = 2, kernel = 9223372036854775807 } }]"); }),
            "e.toml:4: model.encoder[0] (conv2d): kernel = 9223372036854775807: expected at most "
            "2147483647");
  EXPECT_EQ(error_of([] { model("[{ maxpool = { kernel = 2, stride = 4294967296 } }]"); }),
            "e.toml:4: model.encoder[0] (maxpool): stride = 4294967296: expected at most "
            "2147483647");
  EXPECT_EQ(error_of([] { model("[{ upsample = { scale = \"$n*1000000000\" } }]"); }),
            "e.toml:4: model.encoder[0] (upsample): scale = \"$n*1000000000\" (= 3000000000): "
            "expected at most 2147483647");
  EXPECT_EQ(error_of([] { model("[{ unflatten = { shape = [1, 3000000000, 1] } }]"); }),
            "e.toml:4: model.encoder[0] (unflatten): shape = [1, 3000000000, 1]: expected sizes "
            "of at most 2147483647");
}

TEST(LayerSpecBounds, LargeButRepresentableOptionsStillParse) {
  // A dense layer of 1e9 units parses; the stack builder refuses its weights, naming the layer.
  auto m = model("[\"flatten\", { dense = { units = 1000000000 } }, "
                 "{ conv2d = { filters = 2147483647, kernel = 1, padding = 2147483647 } }]");
  EXPECT_EQ(m.encoder[1].units, 1000000000);
  EXPECT_EQ(m.encoder[2].filters, models::kMaxLayerOption);
  EXPECT_EQ(m.encoder[2].padding.pixels, models::kMaxLayerOption);
}
