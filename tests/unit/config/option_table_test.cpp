// config::OptionTable, EnumNames and the numeric rules, on a small struct of every kind of entry.
#include "aelab/config/option_table.h"

#include <gtest/gtest.h>

#include "error_of.h"

using aelab::config::Document;
using aelab::config::EnumNames;
using aelab::config::OptionTable;
using aelab::config::Section;
using aelab::testing::error_of;

namespace {

enum class Color { kRed, kGreen };
const EnumNames<Color> kColors = {{Color::kRed, "red"}, {Color::kGreen, "green"}};

struct Inner {
  int64_t window = 3;
  double tolerance = 0.0;
};

struct Opts {
  int64_t count = 4;
  uint64_t seed = 0;
  double rate = 0.1;
  bool fast = true;
  std::string name = "x";
  std::vector<std::string> tags;
  Color color = Color::kRed;
  Inner inner;
};

const OptionTable<Opts>& table() {
  static const auto t =
      OptionTable<Opts>("opts")
          .add("count", &Opts::count, "how many", aelab::config::at_least(1, "at least 1 thing"))
          .add("seed", &Opts::seed, "seeds it", "a seed >= 0")
          .add("rate", &Opts::rate, "a rate | a share", aelab::config::in_range_half_open(0, 1))
          .add("fast", &Opts::fast, "go fast")
          .add("name", &Opts::name, "the name")
          .add("tags", &Opts::tags, "labels")
          .add_enum("color", &Opts::color, kColors, "the colour")
          .add_table("inner", &Opts::inner,
                     OptionTable<Inner>("opts.inner")
                         .add("window", &Inner::window, "epochs", aelab::config::non_negative())
                         .add("tolerance", &Inner::tolerance, "delta"),
                     "a nested table")
          .rule([](const Opts& o) -> std::optional<aelab::config::RuleBreak> {
            if (o.name.empty() && o.fast) return aelab::config::RuleBreak{"name", "needed when fast"};
            return std::nullopt;
          });
  return t;
}

Opts read(const std::string& text) {
  auto doc = Document::parse(text, "e.toml");
  Section s(doc, "opts");
  return table().read(s);
}

}  // namespace

TEST(OptionTable, ReadsEveryKindOfEntry) {
  auto o = read(
      "[opts]\ncount = 7\nseed = 9\nrate = 0.25\nfast = false\nname = \"n\"\ntags = [\"a\", "
      "\"b\"]\ncolor = \"green\"\ninner = { window = 2, tolerance = 0.5 }\n");
  EXPECT_EQ(o.count, 7);
  EXPECT_EQ(o.seed, 9u);
  EXPECT_DOUBLE_EQ(o.rate, 0.25);
  EXPECT_FALSE(o.fast);
  EXPECT_EQ(o.name, "n");
  EXPECT_EQ(o.tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(o.color, Color::kGreen);
  EXPECT_EQ(o.inner.window, 2);
  EXPECT_DOUBLE_EQ(o.inner.tolerance, 0.5);
  // A single string is a list of one; a missing table keeps the defaults.
  auto p = read("[opts]\ntags = \"solo\"\n");
  EXPECT_EQ(p.tags, (std::vector<std::string>{"solo"}));
  EXPECT_TRUE(table().equal(read(""), Opts{}));
}

TEST(OptionTable, WritesEveryKeyAndReadsItBack) {
  auto t = table().to_toml(Opts{});
  for (const char* key : {"count", "seed", "rate", "fast", "name", "tags", "color", "inner"}) {
    EXPECT_TRUE(t.contains(key)) << key;
  }
  EXPECT_EQ(t["color"].value<std::string>(), "red");
  EXPECT_EQ(t["inner"]["window"].value<int64_t>(), 3);

  Opts x;
  x.count = 12;
  x.seed = 5;
  x.rate = 0.3;
  x.fast = false;
  x.name = "q";
  x.tags = {"u", "v"};
  x.color = Color::kGreen;
  x.inner.window = 0;
  x.inner.tolerance = 1e-4;
  toml::table root;
  root.insert("opts", table().to_toml(x));
  std::string text = aelab::config::format_toml(root);
  // Numbers as a person writes them, not toml++'s 17 digits.
  EXPECT_NE(text.find("rate = 0.3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("tolerance = 1e-4"), std::string::npos) << text;
  Opts back = read(text);
  EXPECT_TRUE(table().equal(back, x)) << text;
  EXPECT_FALSE(table().equal(back, Opts{}));
}

TEST(OptionTable, RangeErrorsQuoteTheValueFileLineAndKey) {
  EXPECT_EQ(error_of([] { read("[opts]\n\ncount = 0\n"); }),
            "e.toml:3: opts.count = 0: expected at least 1 thing");
  EXPECT_EQ(error_of([] { read("[opts]\nrate = 1.5\n"); }),
            "e.toml:2: opts.rate = 1.5: expected a value in [0, 1)");
  EXPECT_EQ(error_of([] { read("[opts]\nseed = -2\n"); }),
            "e.toml:2: opts.seed = -2: expected a seed >= 0");
  EXPECT_EQ(error_of([] { read("[opts]\ninner = { window = -1 }\n"); }),
            "e.toml:2: opts.inner.window = -1: expected a value >= 0");
  EXPECT_EQ(error_of([] { read("[opts]\nrate = nan\n"); }),
            "e.toml:2: opts.rate = nan: expected a value in [0, 1)");
  EXPECT_EQ(error_of([] { read("[opts]\nname = \"\"\n"); }), "e.toml:2: opts.name: needed when fast");
}

TEST(OptionTable, ValidatesOptionsBuiltInCodeWithTheSameMessages) {
  Opts o;
  EXPECT_NO_THROW(table().validate(o));
  o.count = -1;
  EXPECT_EQ(error_of([&] { table().validate(o); }), "opts.count = -1: expected at least 1 thing");
  o = {};
  o.rate = -1;
  EXPECT_EQ(error_of([&] { table().validate(o); }), "opts.rate = -1: expected a value in [0, 1)");
  o = {};
  o.inner.window = -4;
  EXPECT_EQ(error_of([&] { table().validate(o); }),
            "opts.inner.window = -4: expected a value >= 0");
  o = {};
  o.color = static_cast<Color>(7);
  EXPECT_EQ(error_of([&] { table().validate(o); }),
            "opts.color = 7: unknown value (expected one of: red, green)");
  o = {};
  o.name = "";
  EXPECT_EQ(error_of([&] { table().validate(o); }), "opts.name: needed when fast");
}

TEST(OptionTable, UnknownEnumNameListsTheNames) {
  EXPECT_EQ(error_of([] { read("[opts]\ncolor = \"blue\"\n"); }),
            "e.toml:2: opts.color = \"blue\": unknown value (expected one of: red, green)");
  EXPECT_EQ(kColors.parse("green", "x"), Color::kGreen);
  EXPECT_EQ(kColors.name(Color::kGreen), "green");
  EXPECT_EQ(error_of([] { kColors.parse("blue", "opts.color"); }),
            "opts.color = \"blue\": unknown value (expected one of: red, green)");
}

TEST(OptionTable, IntegersTakeIntegralFloatsOnly) {
  EXPECT_EQ(read("[opts]\ncount = 4.0\n").count, 4);
  EXPECT_EQ(read("[opts]\nseed = 3.0\n").seed, 3u);
  EXPECT_EQ(error_of([] { read("[opts]\ncount = 4.5\n"); }),
            "e.toml:2: opts.count: expected an integer, got number 4.5");
  EXPECT_EQ(error_of([] { read("[opts]\ncount = \"4\"\n"); }),
            "e.toml:2: opts.count: expected an integer, got string \"4\"");
}

TEST(OptionTable, UnknownKeysStayErrors) {
  auto msg = error_of([] { read("[opts]\ncount = 2\ncuont = 3\n"); });
  EXPECT_EQ(msg.rfind("e.toml:3: opts.cuont: unknown key", 0), 0u) << msg;
  msg = error_of([] { read("[opts]\ninner = { widnow = 3 }\n"); });
  EXPECT_NE(msg.find("opts.inner.widnow: unknown key"), std::string::npos) << msg;
}

TEST(OptionTable, MarkdownHasARowPerKeyWithDefaults) {
  std::string md = table().markdown();
  EXPECT_EQ(md.rfind("| key | type | default | description |\n| --- | --- | --- | --- |\n", 0), 0u);
  EXPECT_NE(md.find("| `count` | integer | `4` | how many; expected at least 1 thing |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `rate` | number | `0.1` | a rate \\| a share; expected a value in [0, 1) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `color` | \"red\" \\| \"green\" | `\"red\"` | the colour |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `inner.window` | integer | `3` |"), std::string::npos) << md;
}

TEST(FormatNumber, ShortestRoundTrip) {
  EXPECT_EQ(aelab::config::format_number(0.1), "0.1");
  EXPECT_EQ(aelab::config::format_number(1e-3), "0.001");
  EXPECT_EQ(aelab::config::format_number(1e-5), "1e-5");
  EXPECT_EQ(aelab::config::format_number(-1.0), "-1");
  EXPECT_EQ(aelab::config::format_number(1.0 / 3), "0.3333333333333333");
  toml::table t;
  t.insert("a", 2.0);
  t.insert("b", toml::array{0.1, 1.5});
  EXPECT_EQ(aelab::config::format_toml(t), "a = 2.0\nb = [ 0.1, 1.5 ]");
}
