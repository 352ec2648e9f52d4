// The token of `aelab serve` beyond loopback (api.h): with one set, every route answers 401
// unless the request carries it as ?token=, `Authorization: Bearer` or the cookie the page sets;
// without one (loopback), everything answers. And is_loopback_host, which decides that the CLI
// makes up a token.
#include <gtest/gtest.h>

#include "aelab/serve/http_server.h"
#include "serve_fixture.h"

namespace aelab::serve {
namespace {

using testing::body_of;
using testing::get;
using testing::header_of;

constexpr const char* kToken = "f3a9c2d17b6e4058";

class Token : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_ = testing::make_served_tree("token", /*with_study=*/false);
    roots_ = std::make_unique<Roots>(std::vector<fs::path>{tree_.root});
    ApiOptions options;
    options.token = kToken;
    api_ = std::make_unique<Api>(*roots_, std::vector<std::string>{}, options);
  }
  testing::ServedTree tree_;
  std::unique_ptr<Roots> roots_;
  std::unique_ptr<Api> api_;
};

TEST_F(Token, ARequestWithoutItIs401OnEveryRoute) {
  for (const std::string& path :
       std::vector<std::string>{"/", "/app.js", "/api/info", "/api/runs", "/api/studies",
                                "/api/run", "/api/no-such-route"}) {
    auto r = api_->handle(get(path, {{"id", "0/runs/cae-mnist"}}));
    EXPECT_EQ(r.status, 401) << path;
    EXPECT_EQ(body_of(r)["error"], "a token is required (?token=...)") << path;
    EXPECT_EQ(r.body.find("cae-mnist"), std::string::npos) << path;
  }
  // 401 comes before the method check and the path check: nothing is learned without it.
  auto post = get("/api/runs");
  post.method = "POST";
  EXPECT_EQ(api_->handle(post).status, 401);
  EXPECT_EQ(api_->handle(get("/api/file", {{"id", "0/../outside/secret.txt"}})).status, 401);
}

TEST_F(Token, AWrongTokenIs401) {
  const std::string same_length_wrong = "f3a9c2d17b6e4059";
  for (const std::string& wrong :
       std::vector<std::string>{"", same_length_wrong, "f3a9c2d17b6e405", "f3a9c2d17b6e40588",
                                "F3A9C2D17B6E4058", std::string(kToken) + " "})
    EXPECT_EQ(api_->handle(get("/api/runs", {{"token", wrong}})).status, 401)
        << "[" << wrong << "]";
  EXPECT_EQ(
      api_->handle(get("/api/runs", {}, {{"authorization", "Bearer " + same_length_wrong}})).status,
      401);
  EXPECT_EQ(api_->handle(get("/api/runs", {}, {{"authorization", std::string("Basic ") + kToken}}))
                .status,
            401);
  EXPECT_EQ(api_->handle(get("/api/runs", {}, {{"authorization", kToken}})).status, 401);
  EXPECT_EQ(api_->handle(get("/api/runs", {},
                             {{"cookie", std::string("aelab_token=") + same_length_wrong}}))
                .status,
            401);
  // Another cookie whose name ends like ours is not ours.
  EXPECT_EQ(api_->handle(get("/api/runs", {}, {{"cookie", std::string("xaelab_token=") + kToken}}))
                .status,
            401);
  // The token under another query name does not count.
  EXPECT_EQ(api_->handle(get("/api/runs", {{"key", kToken}})).status, 401);
}

TEST_F(Token, TheTokenInTheQueryAnswersAndSetsTheCookie) {
  auto r = api_->handle(get("/api/runs", {{"token", kToken}}));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r)["total"], 3);
  EXPECT_EQ(header_of(r, "Set-Cookie"),
            std::string("aelab_token=") + kToken + "; Path=/; HttpOnly; SameSite=Strict");
  auto page = api_->handle(get("/", {{"token", kToken}}));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
}

TEST_F(Token, TheBearerHeaderOrTheCookieAnswerWithoutSettingACookie) {
  auto bearer =
      api_->handle(get("/api/runs", {}, {{"authorization", std::string("Bearer ") + kToken}}));
  EXPECT_EQ(bearer.status, 200);
  EXPECT_EQ(body_of(bearer)["total"], 3);
  EXPECT_EQ(header_of(bearer, "Set-Cookie"), "");
  auto cookie = api_->handle(
      get("/api/run", {{"id", "0/runs/cae-mnist"}},
          {{"cookie", std::string("theme=dark; aelab_token=") + kToken + "; other=1"}}));
  EXPECT_EQ(cookie.status, 200);
  EXPECT_EQ(body_of(cookie)["row"]["test_loss"], 0.0231);
}

TEST_F(Token, WithTheTokenThePathChecksStillApply) {
  EXPECT_EQ(
      api_->handle(get("/api/file", {{"id", "0/../outside/secret.txt"}, {"token", kToken}})).status,
      404);
  EXPECT_EQ(api_->handle(get("/api/nope", {{"token", kToken}})).status, 404);
}

TEST(NoToken, EveryRequestAnswersAndNoCookieIsSet) {
  auto tree = testing::make_served_tree("no-token", false);
  Roots roots({tree.root});
  Api api(roots, {}, ApiOptions{});
  auto plain = api.handle(get("/api/runs"));
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(body_of(plain)["total"], 3);
  // A token given anyway is ignored.
  auto with = api.handle(get("/api/runs", {{"token", "anything"}}));
  EXPECT_EQ(with.status, 200);
  EXPECT_EQ(header_of(with, "Set-Cookie"), "");
}

TEST(Loopback, TellsLoopbackHostsFromTheRest) {
  for (const std::string& host : std::vector<std::string>{
           "127.0.0.1", "127.0.0.2", "127.255.255.254", "localhost", "::1", "[::1]",
           "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "[::ffff:127.1.2.3]"})
    EXPECT_TRUE(is_loopback_host(host)) << host;
  for (const std::string& host :
       std::vector<std::string>{"0.0.0.0", "::", "[::]", "192.168.1.20", "10.0.0.1", "128.0.0.1",
                                "126.255.255.255", "", "localhost.example.com", "127.0.0.1.nip.io",
                                "example.com", "::ffff:10.0.0.1", "LOCALHOST.", "[::1", "::2"})
    EXPECT_FALSE(is_loopback_host(host)) << host;
}

TEST(Loopback, TheHostOfAHostHeader) {
  EXPECT_EQ(host_of_header("localhost:6006"), "localhost");
  EXPECT_EQ(host_of_header("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(host_of_header("[::1]:6006"), "[::1]");
  EXPECT_EQ(host_of_header("[::1]"), "[::1]");
  EXPECT_EQ(host_of_header("evil.example:6006"), "evil.example");
  EXPECT_EQ(host_of_header("::1"), "::1");
}

// DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 reaches the server,
// but its requests say "Host: evil.example:6006". Without a token that is refused; with one
// (beyond loopback, reached by any name) the token decides.
TEST(NoToken, AHostHeaderNamingAnotherMachineIs403) {
  auto tree = testing::make_served_tree("no-token-host", false);
  Roots roots({tree.root});
  Api api(roots, {}, ApiOptions{});
  auto with_host = [](const std::string& host) {
    Request r = get("/api/runs");
    r.headers["host"] = host;
    return r;
  };
  for (const char* host : {"127.0.0.1:6006", "localhost:6006", "[::1]:6006", "localhost"})
    EXPECT_EQ(api.handle(with_host(host)).status, 200) << host;
  auto refused = api.handle(with_host("evil.example:6006"));
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("Host 'evil.example:6006' is not this machine"), std::string::npos)
      << refused.body;
  EXPECT_EQ(api.handle(with_host("192.168.1.20:6006")).status, 403);
  // No Host header at all (HTTP/1.0, or aelab report asking in process): answered.
  EXPECT_EQ(api.handle(get("/api/runs")).status, 200);

  ApiOptions with_token;
  with_token.token = kToken;
  Api remote(roots, {}, with_token);
  Request r = with_host("dashboard.lab.example:6006");
  r.query["token"] = kToken;
  EXPECT_EQ(remote.handle(r).status, 200);
}

}  // namespace
}  // namespace aelab::serve
