// The run routes of the API (api.h) on the hand-made tree of serve_fixture.h: /api/info,
// /api/runs (filter, sort, pages), /api/run, /api/metrics, /api/latent, the picture routes with
// and without a model, the front end, unknown routes and methods.
#include <gtest/gtest.h>

#include "aelab/core/error.h"
#include "serve_fixture.h"

namespace aelab::serve {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::get;
using testing::header_of;

class RunRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_ = testing::make_served_tree("run-routes");
    roots_ = std::make_unique<Roots>(std::vector<fs::path>{tree_.root});
    api_ = std::make_unique<Api>(*roots_, std::vector<std::string>{}, ApiOptions{});
  }
  json call(const std::string& path, std::map<std::string, std::string> query = {},
            int status = 200) {
    auto r = api_->handle(get(path, std::move(query)));
    EXPECT_EQ(r.status, status) << path << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json") << path;
    return body_of(r);
  }
  static std::vector<std::string> names(const json& runs) {
    std::vector<std::string> out;
    for (const auto& row : runs["runs"]) out.push_back(row["name"]);
    return out;
  }
  testing::ServedTree tree_;
  std::unique_ptr<Roots> roots_;
  std::unique_ptr<Api> api_;
};

TEST_F(RunRoutes, InfoListsTheRootsAndTheDatabaseFound) {
  auto info = call("/api/info");
  EXPECT_EQ(info["roots"], json::array({fs::canonical(tree_.root).string()}));
  EXPECT_EQ(info["databases"], json::parse(R"([{"id": "db0", "label": "studies/tune.db"}])"));
  EXPECT_EQ(info["decoding"], false);
}

TEST_F(RunRoutes, RunsHoldsOneRowPerRunFolderWithItsFigures) {
  auto runs = call("/api/runs");
  EXPECT_EQ(runs["total"], 3);
  EXPECT_EQ(runs["offset"], 0);
  EXPECT_EQ(runs["limit"], 100);
  // Sorted by name by default.
  EXPECT_EQ(names(runs),
            (std::vector<std::string>{"runs/cae-mnist", "runs/old-cifar", "runs/vae-fashion"}));
  const auto& a = runs["runs"][0];
  EXPECT_EQ(a["id"], "0/runs/cae-mnist");
  EXPECT_EQ(a["kind"], "train");
  EXPECT_EQ(a["dataset"], "mnist");
  EXPECT_EQ(a["model"], "conv");
  EXPECT_EQ(a["latent"], 16);
  EXPECT_EQ(a["epochs"], 3);
  EXPECT_DOUBLE_EQ(a["test_loss"].get<double>(), 0.0231);
  EXPECT_DOUBLE_EQ(a["test_psnr"].get<double>(), 19.7);
  EXPECT_TRUE(a["test_ssim"].is_null());
  EXPECT_DOUBLE_EQ(a["best_val_loss"].get<double>(), 0.025);
  EXPECT_DOUBLE_EQ(a["images_per_second"].get<double>(), 1234.5);
  EXPECT_EQ(a["state"], "finished");

  const auto& c = runs["runs"][1];
  EXPECT_EQ(c["id"], "0/runs/old-cifar");
  EXPECT_EQ(c["state"], "interrupted");
  EXPECT_EQ(c["latent"], 64);
  EXPECT_EQ(c["epochs"], 1);
  EXPECT_DOUBLE_EQ(c["best_val_loss"].get<double>(), 0.5);
  EXPECT_TRUE(c["test_loss"].is_null());

  const auto& b = runs["runs"][2];
  EXPECT_EQ(b["id"], "0/runs/vae-fashion");
  EXPECT_EQ(b["state"], "running");
  EXPECT_EQ(b["dataset"], "fashion_mnist");
  EXPECT_EQ(b["model"], "mlp");
  EXPECT_EQ(b["epochs"], 2);  // the half-written third line does not count
  EXPECT_TRUE(b["test_loss"].is_null());
  // While training: the lowest validation loss so far and the last epoch's speed.
  EXPECT_DOUBLE_EQ(b["best_val_loss"].get<double>(), 0.07);
  EXPECT_DOUBLE_EQ(b["images_per_second"].get<double>(), 950);
}

TEST_F(RunRoutes, RunsFiltersByEveryWordCaseInsensitively) {
  EXPECT_EQ(names(call("/api/runs", {{"q", "MNIST"}})),
            (std::vector<std::string>{"runs/cae-mnist", "runs/vae-fashion"}));
  EXPECT_EQ(names(call("/api/runs", {{"q", "mnist conv"}})),
            (std::vector<std::string>{"runs/cae-mnist"}));
  EXPECT_EQ(names(call("/api/runs", {{"q", "running"}})),
            (std::vector<std::string>{"runs/vae-fashion"}));
  auto none = call("/api/runs", {{"q", "resnet"}});
  EXPECT_EQ(none["total"], 0);
  EXPECT_EQ(none["runs"], json::array());
}

TEST_F(RunRoutes, RunsSortsByAColumnWithNullsLastEitherWay) {
  EXPECT_EQ(names(call("/api/runs", {{"sort", "best_val_loss"}})),
            (std::vector<std::string>{"runs/cae-mnist", "runs/vae-fashion", "runs/old-cifar"}));
  EXPECT_EQ(names(call("/api/runs", {{"sort", "best_val_loss"}, {"order", "desc"}})),
            (std::vector<std::string>{"runs/old-cifar", "runs/vae-fashion", "runs/cae-mnist"}));
  auto by_test = names(call("/api/runs", {{"sort", "test_loss"}, {"order", "desc"}}));
  EXPECT_EQ(by_test.front(), "runs/cae-mnist");
  EXPECT_EQ(names(call("/api/runs", {{"sort", "latent"}, {"order", "desc"}})),
            (std::vector<std::string>{"runs/old-cifar", "runs/cae-mnist", "runs/vae-fashion"}));
  EXPECT_EQ(names(call("/api/runs", {{"sort", "name"}, {"order", "desc"}})),
            (std::vector<std::string>{"runs/vae-fashion", "runs/old-cifar", "runs/cae-mnist"}));
  // An unknown column leaves the order as found, and still answers.
  EXPECT_EQ(call("/api/runs", {{"sort", "no_such_column"}})["total"], 3);
}

TEST_F(RunRoutes, RunsPages) {
  auto page = call("/api/runs", {{"offset", "1"}, {"limit", "1"}});
  EXPECT_EQ(page["total"], 3);
  EXPECT_EQ(page["offset"], 1);
  EXPECT_EQ(page["limit"], 1);
  EXPECT_EQ(names(page), (std::vector<std::string>{"runs/old-cifar"}));
  EXPECT_EQ(names(call("/api/runs", {{"offset", "2"}, {"limit", "10"}})),
            (std::vector<std::string>{"runs/vae-fashion"}));
  // Out of range: clamped, never an error.
  auto past = call("/api/runs", {{"offset", "10"}});
  EXPECT_EQ(past["offset"], 3);
  EXPECT_EQ(past["runs"], json::array());
  EXPECT_EQ(call("/api/runs", {{"offset", "-5"}})["offset"], 0);
  EXPECT_EQ(call("/api/runs", {{"limit", "-1"}})["runs"].size(), 0u);
  EXPECT_EQ(call("/api/runs", {{"limit", "9223372036854775807"}})["limit"], 5000);
  EXPECT_EQ(call("/api/runs", {{"offset", "9223372036854775807"}, {"limit", "5000"}})["runs"],
            json::array());
  // Not a number: 400 naming the parameter.
  EXPECT_EQ(call("/api/runs", {{"limit", "ten"}}, 400)["error"],
            "query parameter limit=ten: expected an integer");
  EXPECT_EQ(call("/api/runs", {{"offset", "1.5"}}, 400)["error"],
            "query parameter offset=1.5: expected an integer");
}

TEST_F(RunRoutes, RunsPageSizeFollowsTheOptions) {
  ApiOptions options;
  options.default_page = 2;
  options.max_page = 2;
  Api api(*roots_, {}, options);
  auto runs = body_of(api.handle(get("/api/runs")));
  EXPECT_EQ(runs["limit"], 2);
  EXPECT_EQ(runs["runs"].size(), 2u);
  EXPECT_EQ(body_of(api.handle(get("/api/runs", {{"limit", "50"}})))["runs"].size(), 2u);
}

TEST_F(RunRoutes, RunGivesTheRowTheFilesAndTheTrial) {
  auto run = call("/api/run", {{"id", "0/runs/cae-mnist"}});
  EXPECT_EQ(run["row"]["id"], "0/runs/cae-mnist");
  EXPECT_EQ(run["row"]["name"], "runs/cae-mnist");
  EXPECT_DOUBLE_EQ(run["row"]["test_loss"].get<double>(), 0.0231);
  EXPECT_EQ(run["summary"], json::parse(testing::kCaeSummary));
  EXPECT_EQ(run["experiment"], testing::kCaeExperiment);
  EXPECT_TRUE(run["finetune"].is_null());
  EXPECT_EQ(run["pictures"], json::parse(R"(["loss_curve.png", "reconstructions.png"])"));
  // Snapshots in epoch order, epoch 1000 after epoch 10.
  EXPECT_EQ(run["snapshots"],
            json::parse(R"(["reconstructions/epoch-002.png", "reconstructions/epoch-010.png",
                            "reconstructions/epoch-1000.png"])"));
  EXPECT_EQ(run["latent_methods"], json::array({"pca"}));
  EXPECT_EQ(run["tables"]["robustness.md"],
            "| corruption | psnr |\n| --- | --- |\n| gauss | 17.1 |\n");
  EXPECT_EQ(run["trial"], json::parse(R"({"db": "db0", "study": "lr-search", "number": 0,
                                          "state": "COMPLETE", "value": 0.031})"));
  EXPECT_TRUE(run["model_summary"].is_null());
  EXPECT_EQ(header_of(api_->handle(get("/api/run", {{"id", "0/runs/cae-mnist"}})), "Cache-Control"),
            "no-store");
}

TEST_F(RunRoutes, RunOfATrainingStillRunning) {
  auto run = call("/api/run", {{"id", "0/runs/vae-fashion"}});
  EXPECT_EQ(run["row"]["state"], "running");
  EXPECT_TRUE(run["summary"].is_null());
  EXPECT_EQ(run["pictures"], json::array());
  EXPECT_EQ(run["tables"], json::object());
  // Its trial wrote the folder relative to where tune ran (the root, above the database).
  ASSERT_TRUE(run["trial"].is_object()) << run.dump();
  EXPECT_EQ(run["trial"]["number"], 2);
  EXPECT_EQ(run["trial"]["state"], "COMPLETE");
  EXPECT_TRUE(call("/api/run", {{"id", "0/runs/old-cifar"}})["trial"].is_null());
}

TEST_F(RunRoutes, RunOfAFinetuningFolder) {
  testing::write_file(tree_.root / "ft" / "experiment.toml", testing::kCaeExperiment);
  testing::write_file(tree_.root / "ft" / "finetune.toml", "mode = \"frozen\"\n");
  testing::write_file(tree_.root / "ft" / "summary.json",
                      R"({"state": "finished", "test_accuracy": 0.824, "mode": "frozen"})");
  auto run = call("/api/run", {{"id", "0/ft"}});
  EXPECT_EQ(run["row"]["kind"], "finetune");
  EXPECT_DOUBLE_EQ(run["row"]["test_accuracy"].get<double>(), 0.824);
  EXPECT_EQ(run["finetune"], "mode = \"frozen\"\n");
}

TEST_F(RunRoutes, RunOfSomethingElseIs404) {
  for (const std::string& id : std::vector<std::string>{
           "0/runs", "0/studies", "0/studies/tune.db", "0/runs/cae-mnist/summary.json",
           "0/runs/cae-mnist/checkpoints", "0/runs/nope", "1/runs/cae-mnist"})
    EXPECT_EQ(call("/api/run", {{"id", id}}, 404)["error"], "not found") << id;
  EXPECT_EQ(call("/api/run", {}, 400)["error"], "missing query parameter id");
}

TEST_F(RunRoutes, MetricsGivesTheCurvesByColumn) {
  auto m = call("/api/metrics", {{"id", "0/runs/cae-mnist"}});
  EXPECT_EQ(m["columns"], json::parse(R"(["epoch", "train_loss", "images_per_second", "val_loss",
                                          "val_psnr", "lr", "test_loss"])"));
  EXPECT_EQ(m["epochs"], 3);
  EXPECT_EQ(m["state"], "finished");
  EXPECT_EQ(m["data"]["epoch"], json::parse("[1, 2, 3]"));
  EXPECT_EQ(m["data"]["val_loss"], json::parse("[0.04, 0.025, 0.027]"));
  EXPECT_EQ(m["data"]["lr"], json::parse("[0.001, 0.001, 0.0005]"));
  // test_loss only where the epoch tested: empty cells are null.
  EXPECT_EQ(m["data"]["test_loss"], json::parse("[null, null, 0.0231]"));

  auto running = call("/api/metrics", {{"id", "0/runs/vae-fashion"}});
  EXPECT_EQ(running["epochs"], 2);
  EXPECT_EQ(running["state"], "running");
  EXPECT_EQ(running["data"]["train_loss"], json::parse("[0.11, 0.08]"));
  EXPECT_EQ(running["data"]["val_loss"], json::parse("[0.09, 0.07]"));
}

TEST_F(RunRoutes, LatentGivesThePointsAndTheirInfo) {
  auto l = call("/api/latent", {{"id", "0/runs/cae-mnist"}, {"method", "pca"}});
  EXPECT_EQ(l["method"], "pca");
  EXPECT_EQ(l["x"], json::parse("[0.5, 2.0]"));
  EXPECT_EQ(l["y"], json::parse("[-1.25, 4.5]"));
  EXPECT_EQ(l["label"], json::parse("[3, 7]"));
  EXPECT_EQ(l["info"], json::parse(R"({"method": "pca", "explained": [0.4, 0.2]})"));
  EXPECT_EQ(l["classes"], json::array());
  EXPECT_EQ(call("/api/latent", {{"id", "0/runs/cae-mnist"}}, 400)["error"],
            "missing query parameter method");
}

TEST_F(RunRoutes, PictureRoutesWithoutAModelAre501) {
  EXPECT_EQ(call("/api/latent/image", {{"id", "0/runs/cae-mnist"}}, 501)["error"],
            "this server decodes no pictures");
  EXPECT_EQ(call("/api/interpolate", {{"id", "0/runs/cae-mnist"}}, 501)["error"],
            "this server decodes no pictures");
  // The run is checked first.
  EXPECT_EQ(call("/api/latent/image", {{"id", "0/../outside"}}, 404)["error"], "not found");
}

// What cmd_serve plugs in, faked: records the calls, fails on index 99.
class FakeModels : public ModelService {
 public:
  std::string test_image_png(const fs::path& run, int64_t index) override {
    if (index == 99) throw aelab::Error("test image 99 out of range (10 test images)");
    return "PNG " + run.filename().string() + " " + std::to_string(index);
  }
  std::string interpolation_png(const fs::path& run, int64_t from, int64_t to,
                                int64_t steps) override {
    return "STRIP " + run.filename().string() + " " + std::to_string(from) + "-" +
           std::to_string(to) + " x" + std::to_string(steps);
  }
  std::string summary_table(const fs::path&) override { return "| layer | shape |"; }
  std::vector<std::string> class_names(const fs::path&) override { return {"zero", "one"}; }
};

TEST_F(RunRoutes, PictureRoutesAskTheModel) {
  FakeModels models;
  Api api(*roots_, {}, ApiOptions{}, &models);
  auto image = api.handle(get("/api/latent/image", {{"id", "0/runs/cae-mnist"}, {"index", "3"}}));
  EXPECT_EQ(image.status, 200);
  EXPECT_EQ(image.content_type, "image/png");
  EXPECT_EQ(image.body, "PNG cae-mnist 3");
  // steps clamped to 2..32.
  auto strip =
      api.handle(get("/api/interpolate",
                     {{"id", "0/runs/cae-mnist"}, {"from", "4"}, {"to", "9"}, {"steps", "500"}}));
  EXPECT_EQ(strip.status, 200);
  EXPECT_EQ(strip.body, "STRIP cae-mnist 4-9 x32");
  EXPECT_EQ(api.handle(get("/api/interpolate", {{"id", "0/runs/cae-mnist"}})).body,
            "STRIP cae-mnist 0-1 x10");
  // The model's error: 422 with its message.
  auto bad = api.handle(get("/api/latent/image", {{"id", "0/runs/cae-mnist"}, {"index", "99"}}));
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(body_of(bad)["error"].get<std::string>().find("test image 99 out of range"),
            std::string::npos);
  EXPECT_EQ(
      api.handle(get("/api/latent/image", {{"id", "0/runs/cae-mnist"}, {"index", "x"}})).status,
      400);
  auto info = body_of(api.handle(get("/api/info")));
  EXPECT_EQ(info["decoding"], true);
  auto run = body_of(api.handle(get("/api/run", {{"id", "0/runs/cae-mnist"}})));
  EXPECT_EQ(run["model_summary"], "| layer | shape |");
  auto latent =
      body_of(api.handle(get("/api/latent", {{"id", "0/runs/cae-mnist"}, {"method", "pca"}})));
  EXPECT_EQ(latent["classes"], json::parse(R"(["zero", "one"])"));
}

TEST_F(RunRoutes, TheFrontEndIsServed) {
  for (const std::string& path : std::vector<std::string>{"/", "/index.html"}) {
    auto r = api_->handle(get(path));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("<"), std::string::npos);
  }
  auto js = api_->handle(get("/app.js"));
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_FALSE(js.body.empty());
}

TEST_F(RunRoutes, UnknownRoutesAre404) {
  for (const std::string& path :
       std::vector<std::string>{"/api", "/api/", "/api/runs/", "/API/runs", "/api/run/0",
                                "/index.htm", "/api/../api/runs", "/app.js.map", "", "/favicon.ico",
                                "/api/latent/", "/api/study/importance"})
    EXPECT_EQ(call(path, {}, 404)["error"], "not found") << "[" << path << "]";
}

TEST_F(RunRoutes, OnlyGetAndHeadAreAnswered) {
  for (const std::string& method :
       std::vector<std::string>{"POST", "PUT", "DELETE", "PATCH", "get"}) {
    auto request = get("/api/runs");
    request.method = method;
    auto r = api_->handle(request);
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(header_of(r, "Allow"), "GET, HEAD") << method;
  }
  auto head = get("/api/runs");
  head.method = "HEAD";
  EXPECT_EQ(api_->handle(head).status, 200);
}

}  // namespace
}  // namespace aelab::serve

namespace aelab::serve {
namespace {

// A page links a study by its database id: a database found later (a study started while the
// dashboard is open, sorting before the first one) gets a new id and leaves the old ones alone.
TEST(DatabaseIds, StayWhenAnotherDatabaseAppears) {
  auto tree = testing::make_served_tree("db-ids");
  Roots roots({tree.root});
  Index index(roots, {}, /*rescan_seconds=*/0);
  auto first = index.databases();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, "db0");
  fs::create_directories(tree.root / "aaa");
  fs::copy_file(tree.db, tree.root / "aaa" / "early.db");
  auto second = index.databases();
  ASSERT_EQ(second.size(), 2u);
  for (const auto& d : second) {
    if (d.url.find("studies/tune.db") != std::string::npos) EXPECT_EQ(d.id, "db0");
    if (d.url.find("aaa/early.db") != std::string::npos) EXPECT_EQ(d.id, "db1");
  }
}

}  // namespace
}  // namespace aelab::serve
