// The report file of `aelab report` (static_report.h) over the hand-made tree of
// serve_fixture.h: the answers it carries are the Api's own, under the keys the front end asks
// with; pictures are data: URIs of the files' bytes, the newest snapshot before older ones
// within the size limit; the page fetches nothing (no <script src>); the data cannot end its
// <script> element.
#include <gtest/gtest.h>

#include "serve_fixture.h"
#include "aelab/serve/static_report.h"

namespace aelab::serve {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::get;

// The JSON of `window.AELAB_STATIC = ...;` in a report page.
json static_data(const std::string& html) {
  const std::string begin = "<script>window.AELAB_STATIC = ";
  size_t from = html.find(begin);
  EXPECT_NE(from, std::string::npos) << "no AELAB_STATIC in the page";
  from += begin.size();
  size_t to = html.find(";</script>", from);
  EXPECT_NE(to, std::string::npos);
  return json::parse(html.substr(from, to - from));
}

TEST(StaticKey, SortsTheQueryAndEncodesValuesAsEncodeURIComponent) {
  EXPECT_EQ(static_key("/api/info", {}), "/api/info");
  EXPECT_EQ(static_key("/api/run", {{"id", "0/runs/cae-mnist"}}), "/api/run?id=0%2Fruns%2Fcae-mnist");
  EXPECT_EQ(static_key("/api/study", {{"name", "lr search"}, {"db", "db0"}}),
            "/api/study?db=db0&name=lr%20search");
  // encodeURIComponent keeps A-Z a-z 0-9 - _ . ! ~ * ' ( ) and writes UTF-8 bytes in upper hex.
  EXPECT_EQ(static_key("/x", {{"v", "a-_.!~*'()z&=+?#%/é"}}),
            "/x?v=a-_.!~*'()z%26%3D%2B%3F%23%25%2F%C3%A9");
}

TEST(Base64, EncodesWithPadding) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  // python3 -c "import base64; print(base64.b64encode(b'\x89PNG-reconstructions'))"
  EXPECT_EQ(base64("\x89PNG-reconstructions"), "iVBORy1yZWNvbnN0cnVjdGlvbnM=");
  EXPECT_EQ(base64(std::string("\0\xff", 2)), "AP8=");
}

TEST(ScriptJson, WritesNoLessThanSignAndParsesBack) {
  json value = {{"text", "</script><!-- <b>"}, {"n", 1.5}};
  std::string text = script_json(value);
  EXPECT_EQ(text.find('<'), std::string::npos) << text;
  EXPECT_EQ(json::parse(text), value);
}

class StaticReportOfTree : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_ = testing::make_served_tree("static-report");
    roots_ = std::make_unique<Roots>(std::vector<fs::path>{tree_.root});
    api_ = std::make_unique<Api>(*roots_, std::vector<std::string>{}, ApiOptions{});
  }
  json served(const std::string& path, std::map<std::string, std::string> query = {}) {
    return body_of(api_->handle(get(path, std::move(query))));
  }
  testing::ServedTree tree_;
  std::unique_ptr<Roots> roots_;
  std::unique_ptr<Api> api_;
};

TEST_F(StaticReportOfTree, CarriesTheServersAnswersUnderTheFrontEndsKeys) {
  StaticReportOptions options;
  options.made = "2026-12-04 20:00";
  auto report = make_static_report(*api_, options);
  EXPECT_EQ(report.runs, 3);
  EXPECT_EQ(report.studies, 2);
  EXPECT_EQ(report.errors, 0);
  json data = static_data(report.html);

  // Every row, as /api/runs gives them sorted by name.
  EXPECT_EQ(data["runs"], served("/api/runs", {{"sort", "name"}})["runs"]);
  const auto& r = data["responses"];
  for (const char* id : {"0/runs/cae-mnist", "0/runs/vae-fashion", "0/runs/old-cifar"}) {
    EXPECT_EQ(r[static_key("/api/run", {{"id", id}})], served("/api/run", {{"id", id}})) << id;
    EXPECT_EQ(r[static_key("/api/metrics", {{"id", id}})], served("/api/metrics", {{"id", id}})) << id;
  }
  EXPECT_EQ(r["/api/latent?id=0%2Fruns%2Fcae-mnist&method=pca"],
            served("/api/latent", {{"id", "0/runs/cae-mnist"}, {"method", "pca"}}));
  EXPECT_EQ(r["/api/studies"], served("/api/studies"));
  EXPECT_EQ(r["/api/study?db=db0&name=lr-search"],
            served("/api/study", {{"db", "db0"}, {"name", "lr-search"}}));
  EXPECT_EQ(r["/api/study?db=db0&name=lr-search"]["trials"].size(), 5u);
  EXPECT_EQ(r["/api/importance?db=db0&name=widths"],
            served("/api/importance", {{"db", "db0"}, {"name", "widths"}}));
  // The file decodes nothing, whatever the Api could.
  EXPECT_EQ(r["/api/info"]["decoding"], false);
  EXPECT_EQ(r["/api/info"]["roots"], served("/api/info")["roots"]);
  EXPECT_EQ(data["errors"], json::object());
  EXPECT_EQ(data["report"]["made"], "2026-12-04 20:00");

  // Pictures as data: URIs of their bytes; the loss curve is drawn from metrics.csv instead.
  const auto& files = data["files"];
  EXPECT_EQ(files["0/runs/cae-mnist/reconstructions.png"],
            "data:image/png;base64," + base64("\x89PNG-reconstructions"));
  EXPECT_EQ(files["0/runs/cae-mnist/reconstructions/epoch-002.png"],
            "data:image/png;base64," + base64("\x89PNG-2"));
  EXPECT_FALSE(files.contains("0/runs/cae-mnist/loss_curve.png"));
  EXPECT_EQ(files.size(), 4u) << files.dump();  // reconstructions and three snapshots
  EXPECT_EQ(report.pictures, 4);
  EXPECT_EQ(report.pictures_left_out, 0);
}

TEST_F(StaticReportOfTree, ThePageFetchesNothing) {
  StaticReportOptions options;
  options.title = "aelab report: <root> & co";
  auto html = make_static_report(*api_, options).html;
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("app.js\""), std::string::npos);
  EXPECT_NE(html.find("<title>aelab report: &lt;root&gt; &amp; co</title>"), std::string::npos);
  // Two scripts: the data and the bundle; the data ends where the first one does.
  EXPECT_NE(html.find("</script>\n<script>"), std::string::npos);
  EXPECT_EQ(static_data(html)["runs"].size(), 3u);
}

TEST_F(StaticReportOfTree, PicturesBeyondTheLimitAreLeftOutNewestSnapshotFirst) {
  testing::write_file(tree_.run_a / "samples.png", std::string(1000, 'x'));
  StaticReportOptions options;
  // reconstructions.png (20 bytes) and the newest snapshot epoch-1000.png (9) fit; samples.png
  // (1000), then epoch-010 (8) and epoch-002 (7) would not.
  options.max_picture_bytes = 29;
  auto report = make_static_report(*api_, options);
  json files = static_data(report.html)["files"];
  std::vector<std::string> names;
  for (const auto& [name, _] : files.items()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"0/runs/cae-mnist/reconstructions.png",
                                             "0/runs/cae-mnist/reconstructions/epoch-1000.png"}));
  EXPECT_EQ(report.pictures, 2);
  EXPECT_EQ(report.pictures_left_out, 3);
  EXPECT_EQ(static_data(report.html)["report"]["max_picture_bytes"], 29);
}

}  // namespace
}  // namespace aelab::serve
