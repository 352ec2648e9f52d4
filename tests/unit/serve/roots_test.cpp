// roots.h: the one path check of the server. Every id that could leave a root (.. segments,
// absolute paths, symlinks pointing out, encoded forms, odd spellings) resolves to nothing, and
// the API answers 404 for it, so that a request learns nothing about files outside the roots.
#include "aelab/serve/roots.h"

#include <gtest/gtest.h>

#include "error_of.h"
#include "serve_fixture.h"

namespace aelab::serve {
namespace {

using testing::body_of;
using testing::get;
using testing::make_served_tree;
using testing::write_file;

TEST(Roots, RefusesAMissingFolderNamingIt) {
  auto dir = aelab::testing::temp_dir("roots-missing");
  const std::string message = aelab::testing::error_of([&] { Roots roots({dir, dir / "nope"}); });
  EXPECT_NE(message.find((dir / "nope").string()), std::string::npos) << message;
  EXPECT_NE(message.find("not a folder"), std::string::npos) << message;
}

TEST(Roots, StoresRootsByTheirRealPath) {
  auto dir = aelab::testing::temp_dir("roots-real");
  fs::create_directories(dir / "a" / "b");
  Roots roots({dir / "a" / "b" / ".." / "b"});
  ASSERT_EQ(roots.folders().size(), 1u);
  EXPECT_EQ(roots.folders()[0], fs::canonical(dir / "a" / "b"));
}

TEST(Roots, ResolvesAFileInsideARoot) {
  auto t = make_served_tree("roots-inside", /*with_study=*/false);
  Roots roots({t.root});
  auto file = roots.resolve("0/runs/cae-mnist/summary.json");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(*file, fs::canonical(t.run_a / "summary.json"));
  // The root itself and a folder in it resolve too (run pages name folders).
  EXPECT_EQ(roots.resolve("0"), fs::canonical(t.root));
  EXPECT_EQ(roots.resolve("0/runs/cae-mnist"), fs::canonical(t.run_a));
}

TEST(Roots, RefusesDotDotSegmentsEvenWhenTheyStayInside) {
  auto t = make_served_tree("roots-dotdot", false);
  Roots roots({t.root});
  for (const std::string& id : std::vector<std::string>{
           "0/..", "0/../outside/secret.txt", "0/runs/../../outside/secret.txt",
           "0/runs/../runs/cae-mnist/summary.json", "0/runs/cae-mnist/..", "0/./runs",
           "0/runs/./cae-mnist", "0/.", "../outside/secret.txt", "..", "0/runs/cae-mnist/../../.."})
    EXPECT_FALSE(roots.resolve(id).has_value()) << id;
}

TEST(Roots, RefusesAbsoluteBackslashAndNulPaths) {
  auto t = make_served_tree("roots-absolute", false);
  Roots roots({t.root});
  const std::string secret = (t.outside / "secret.txt").string();
  for (const std::string& id :
       std::vector<std::string>{secret, "/etc/passwd", "/0/runs", "0/" + secret, "0//etc/passwd",
                                "0\\..\\outside\\secret.txt", "0/runs\\cae-mnist",
                                std::string("0/runs\0/x", 9), std::string("0\0", 2)})
    EXPECT_FALSE(roots.resolve(id).has_value()) << id;
}

TEST(Roots, RefusesOddRootNumbersAndEmptyComponents) {
  auto t = make_served_tree("roots-odd", false);
  Roots roots({t.root});
  for (const std::string& id : std::vector<std::string>{
           "", "/", "0/", "0//runs", "0/runs/", "0/runs//cae-mnist", "1/runs", "-0/runs", "+0/runs",
           " 0/runs", "0 /runs", "x/runs", "runs/cae-mnist", "0x0/runs", "1234567/runs",
           "99999999999999999999999/runs", "0/no-such-file", "0/runs/CAE-MNIST"})
    EXPECT_FALSE(roots.resolve(id).has_value()) << "[" << id << "]";
  // Leading zeros still name root 0: a spelling, not a way out.
  EXPECT_EQ(roots.resolve("00/runs"), fs::canonical(t.root / "runs"));
}

TEST(Roots, RefusesASymlinkPointingOutOfItsRoot) {
  auto t = make_served_tree("roots-symlink-out", false);
  fs::create_symlink(t.outside / "secret.txt", t.root / "leak.txt");
  fs::create_directory_symlink(t.outside, t.root / "outdir");
  // root/runs/cae-mnist -> three levels up is the base, where outside/ is.
  fs::create_symlink("../../../outside/secret.txt", t.run_a / "relative-leak.txt");
  ASSERT_TRUE(fs::exists(t.run_a / "relative-leak.txt"));
  Roots roots({t.root});
  EXPECT_FALSE(roots.resolve("0/leak.txt").has_value());
  EXPECT_FALSE(roots.resolve("0/outdir").has_value());
  EXPECT_FALSE(roots.resolve("0/outdir/secret.txt").has_value());
  EXPECT_FALSE(roots.resolve("0/runs/cae-mnist/relative-leak.txt").has_value());
}

TEST(Roots, RefusesASymlinkIntoASiblingWhoseNameStartsLikeTheRoot) {
  // /x/root-other/secret shares the text prefix "/x/root" with the root: a check on strings
  // would let it through, the check on path components must not.
  auto t = make_served_tree("roots-sibling", false);
  write_file(t.base / "root-other" / "secret.txt", testing::kSecret);
  fs::create_symlink(t.base / "root-other" / "secret.txt", t.root / "sibling.txt");
  Roots roots({t.root});
  EXPECT_FALSE(roots.resolve("0/sibling.txt").has_value());
  EXPECT_FALSE(is_within(t.base / "root-other" / "secret.txt", t.root));
  EXPECT_TRUE(is_within(t.root / "runs" / "x", t.root));
  EXPECT_TRUE(is_within(t.root, t.root));
  EXPECT_FALSE(is_within(t.base, t.root));
}

TEST(Roots, FollowsASymlinkThatStaysInsideTheRoot) {
  auto t = make_served_tree("roots-symlink-in", false);
  fs::create_symlink(t.run_a / "summary.json", t.root / "latest-summary.json");
  Roots roots({t.root});
  EXPECT_EQ(roots.resolve("0/latest-summary.json"), fs::canonical(t.run_a / "summary.json"));
}

TEST(Roots, TakesPercentEncodedTextLiterally) {
  // Ids arrive decoded once by the HTTP layer; what is still encoded is a literal name, so a
  // double-encoded ".." can only name a file that is really called "%2e%2e".
  auto t = make_served_tree("roots-encoded", false);
  Roots roots({t.root});
  for (const std::string& id : std::vector<std::string>{
           "0/%2e%2e/outside/secret.txt", "0/%2E%2E%2Foutside%2Fsecret.txt",
           "0/..%2f..%2foutside%2fsecret.txt", "0/runs%2f..%2f..%2foutside", "0%2f..%2foutside",
           "0/%252e%252e/outside/secret.txt", "0/..%5coutside", "%30/runs"})
    EXPECT_FALSE(roots.resolve(id).has_value()) << id;
  write_file(t.root / "%2e%2e" / "note.txt", "a file really named so\n");
  EXPECT_EQ(roots.resolve("0/%2e%2e/note.txt"), fs::canonical(t.root / "%2e%2e" / "note.txt"));
}

TEST(Roots, NumbersSeveralRootsInOrder) {
  auto t = make_served_tree("roots-several", false);
  write_file(t.base / "second" / "note.txt", "second root\n");
  Roots roots({t.root, t.base / "second"});
  EXPECT_EQ(roots.resolve("1/note.txt"), fs::canonical(t.base / "second" / "note.txt"));
  EXPECT_FALSE(roots.resolve("1/runs").has_value());
  EXPECT_FALSE(roots.resolve("2/note.txt").has_value());
  EXPECT_FALSE(roots.resolve("1/../root/runs").has_value());
  EXPECT_EQ(roots.id_of(t.base / "second" / "note.txt"), "1/note.txt");
  EXPECT_EQ(roots.display_name("1/note.txt"), "second/note.txt");
  EXPECT_EQ(roots.display_name("0/runs/cae-mnist"), "root/runs/cae-mnist");
  EXPECT_EQ(roots.display_name("1"), "second");
}

TEST(Roots, IdOfIsTheInverseOfResolve) {
  auto t = make_served_tree("roots-id-of", false);
  Roots roots({t.root});
  EXPECT_EQ(roots.id_of(t.run_a), "0/runs/cae-mnist");
  EXPECT_EQ(roots.id_of(t.run_a / "metrics.csv"), "0/runs/cae-mnist/metrics.csv");
  EXPECT_EQ(roots.id_of(t.root), "0");
  EXPECT_EQ(roots.id_of(t.root / "runs" / ".." / "runs" / "vae-fashion"), "0/runs/vae-fashion");
  EXPECT_FALSE(roots.id_of(t.outside / "secret.txt").has_value());
  EXPECT_EQ(roots.display_name("0/runs/cae-mnist"), "runs/cae-mnist");
  EXPECT_EQ(roots.display_name("0"), "root");
}

// --- the same checks as the API answers them ----------------------------------------------------

class FileRoute : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_ = make_served_tree("file-route", false);
    fs::create_symlink(tree_.outside / "secret.txt", tree_.run_a / "leak.txt");
    fs::create_directory_symlink(tree_.outside, tree_.root / "outdir");
    roots_ = std::make_unique<Roots>(std::vector<fs::path>{tree_.root});
    api_ = std::make_unique<Api>(*roots_, std::vector<std::string>{}, ApiOptions{});
  }
  Response file(const std::string& id) { return api_->handle(get("/api/file", {{"id", id}})); }

  testing::ServedTree tree_;
  std::unique_ptr<Roots> roots_;
  std::unique_ptr<Api> api_;
};

TEST_F(FileRoute, ServesAPictureOfARunWithItsType) {
  auto r = file("0/runs/cae-mnist/reconstructions.png");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "image/png");
  EXPECT_EQ(r.body, "\x89PNG-reconstructions");
  auto csv = file("0/runs/cae-mnist/metrics.csv");
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body, testing::kCaeMetrics);
  auto snapshot = file("0/runs/cae-mnist/reconstructions/epoch-010.png");
  EXPECT_EQ(snapshot.status, 200);
  EXPECT_EQ(snapshot.body, "\x89PNG-10");
}

TEST_F(FileRoute, EveryWayOutIs404AndSaysNothingMore) {
  const std::string secret = (tree_.outside / "secret.txt").string();
  for (const std::string& id : std::vector<std::string>{
           "0/../outside/secret.txt", "0/runs/../../outside/secret.txt", secret, "0/" + secret,
           "/etc/passwd", "0/runs/cae-mnist/leak.txt", "0/outdir/secret.txt",
           "0/%2e%2e/outside/secret.txt", "0/%2e%2e%2foutside%2fsecret.txt",
           "0/%252e%252e/outside/secret.txt", "0\\..\\outside\\secret.txt",
           std::string("0/runs/cae-mnist/summary.json") + '\0' + ".png",
           "1/runs/cae-mnist/summary.json", "0/runs/cae-mnist/summary.json/",
           "0//runs/cae-mnist/summary.json", "99999999999999999999/x.png"}) {
    auto r = file(id);
    EXPECT_EQ(r.status, 404) << id;
    EXPECT_EQ(body_of(r), (nlohmann::json{{"error", "not found"}})) << id;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << id;
  }
}

TEST_F(FileRoute, OnlyServesTheTypesARunPageShows) {
  // Checkpoints, databases, folders and unknown extensions are 404 even inside the root.
  write_file(tree_.run_a / "weights.pt", "weights");
  write_file(tree_.run_a / "notes.PNG", "upper-case extension");
  fs::create_directories(tree_.run_a / "folder.png");
  for (const std::string& id : std::vector<std::string>{
           "0/runs/cae-mnist/checkpoints/last.pt", "0/runs/cae-mnist/weights.pt",
           "0/runs/cae-mnist", "0", "0/runs/cae-mnist/folder.png", "0/runs/cae-mnist/notes.PNG"})
    EXPECT_EQ(file(id).status, 404) << id;
  EXPECT_EQ(file("0/runs/cae-mnist/train.log").status, 200);
  EXPECT_EQ(file("0/runs/cae-mnist/loss_curve.pdf").content_type, "application/pdf");
}

TEST_F(FileRoute, AnEmptyOrMissingIdIsABadRequest) {
  for (auto r : {api_->handle(get("/api/file")), file("")}) {
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(body_of(r)["error"], "missing query parameter id");
  }
}

TEST_F(FileRoute, RunRoutesRefuseTheSameIds) {
  for (const std::string& route : std::vector<std::string>{"/api/run", "/api/metrics"}) {
    for (const std::string& id :
         std::vector<std::string>{"0/runs/../runs/cae-mnist", "0/runs/cae-mnist/", "0/outdir",
                                  "0/../root/runs/cae-mnist", "/" + tree_.run_a.string(), "0/runs",
                                  "0/studies", "0/%2e%2e/root/runs/cae-mnist"})
      EXPECT_EQ(api_->handle(get(route, {{"id", id}})).status, 404) << route << " " << id;
    EXPECT_EQ(api_->handle(get(route, {{"id", "0/runs/cae-mnist"}})).status, 200) << route;
  }
}

TEST_F(FileRoute, LatentMethodCannotNameAPath) {
  for (const std::string& method :
       std::vector<std::string>{"../leak", "pca/../pca", "PCA", "pca.csv", "tsne"}) {
    auto r = api_->handle(get("/api/latent", {{"id", "0/runs/cae-mnist"}, {"method", method}}));
    EXPECT_EQ(r.status, 404) << method;
  }
}

TEST(FileRouteOutside, ARunFolderLinkedFromOutsideIsNotARun) {
  // A folder symlink inside the root to a run folder elsewhere: neither listed nor served.
  auto t = make_served_tree("file-route-linked-run", false);
  write_file(t.outside / "run" / "experiment.toml", testing::kCaeExperiment);
  write_file(t.outside / "run" / "summary.json", testing::kCaeSummary);
  fs::create_directory_symlink(t.outside / "run", t.root / "linked-run");
  Roots roots({t.root});
  Api api(roots, {}, ApiOptions{});
  EXPECT_EQ(api.handle(get("/api/run", {{"id", "0/linked-run"}})).status, 404);
  auto runs = body_of(api.handle(get("/api/runs")));
  for (const auto& row : runs["runs"]) EXPECT_NE(row["id"], "0/linked-run");
  EXPECT_EQ(runs["total"], 3);
}

}  // namespace
}  // namespace aelab::serve
