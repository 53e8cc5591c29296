// Small header-only helpers of the plugin SDK (include/kek/).
#include <kek/address_key.h>
#include <kek/args.h>
#include <kek/secret_equal.h>
#include <kek/worker.h>

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

TEST(SecretEqual, EqualOnlyWhenEveryByteAndTheLengthMatch) {
  EXPECT_TRUE(kek::secret_equal("", ""));
  EXPECT_TRUE(kek::secret_equal("k-0001-secret", "k-0001-secret"));
  EXPECT_FALSE(kek::secret_equal("k-0001-secret", "k-0001-secreT"));
  EXPECT_FALSE(kek::secret_equal("k-0001-secret", "x-0001-secret"));
  EXPECT_FALSE(kek::secret_equal("k-0001", "k-0001-secret")) << "a prefix is not the key";
  EXPECT_FALSE(kek::secret_equal("k-0001-secret", "k-0001"));
  EXPECT_FALSE(kek::secret_equal("", "a"));
  const std::string with_nul("ab\0cd", 5);
  EXPECT_FALSE(kek::secret_equal(with_nul, std::string("ab\0ce", 5)));
  EXPECT_TRUE(kek::secret_equal(with_nul, std::string("ab\0cd", 5)));
  EXPECT_FALSE(kek::secret_equal(std::string("ab"), std::string("ab\0", 3))) << "trailing NUL counts";
}

TEST(AddressKey, Ipv4AsItIsIpv6ByItsSlash64) {
  EXPECT_EQ(kek::address_key(std::string("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(kek::address_key(std::string("127.0.0.1")), "127.0.0.1");
  EXPECT_EQ(kek::address_key(std::string("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), "2001:db8:1:2::/64");
  EXPECT_EQ(kek::address_key(std::string("2001:db8:1:2::1")), kek::address_key(std::string("2001:db8:1:2:ffff::9")))
      << "one /64, one key";
  EXPECT_NE(kek::address_key(std::string("2001:db8:1:2::1")), kek::address_key(std::string("2001:db8:1:3::1")));
  EXPECT_EQ(kek::address_key(std::string("::ffff:192.0.2.7")), "192.0.2.7") << "an IPv4-mapped address is that host";
  EXPECT_EQ(kek::address_key(std::string("::1")), "::1");
}

namespace {

kek::Args args_of(const std::string& json) {
  auto doc = kek::JsonDoc::parse(json);
  EXPECT_TRUE(doc.ok()) << json;
  if (!doc.ok()) doc = kek::JsonDoc::parse("{}");
  return kek::Args(std::move(*doc), [](const std::string& key) { return "kek.yaml:4:5: plugins[0].args." + key; });
}

struct Fields {
  std::string app = "live";
  int port = 8890;
  int64_t window_ms = 5000;
  bool secure = false;
};

kek::Status read_all(const kek::Args& args, Fields& f) {
  return kek::first_failure({args.read("app", f.app), args.read("port", f.port, 0, 65535),
                             args.read("window_ms", f.window_ms, 1, int64_t{1} << 40), args.read("secure", f.secure),
                             args.no_unknown_keys()});
}

}  // namespace

TEST(ArgsRead, AbsentKeysKeepTheFieldsGivenOnesReplaceThem) {
  Fields defaults;
  ASSERT_TRUE(read_all(args_of("{}"), defaults).ok());
  EXPECT_EQ(defaults.app, "live");
  EXPECT_EQ(defaults.port, 8890);
  EXPECT_EQ(defaults.window_ms, 5000);
  EXPECT_FALSE(defaults.secure);

  Fields given;
  auto st = read_all(args_of(R"({"app":"cams","port":1935,"window_ms":1099511627776,"secure":true})"), given);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(given.app, "cams");
  EXPECT_EQ(given.port, 1935);
  EXPECT_EQ(given.window_ms, int64_t{1} << 40) << "an int64_t field takes a number beyond int";
  EXPECT_TRUE(given.secure);
}

TEST(ArgsRead, TheFirstMistakeInReadingOrderIsReportedWithItsPlace) {
  Fields f;
  auto range = read_all(args_of(R"({"port":70000,"secure":"yes","colour":1})"), f);
  ASSERT_FALSE(range.ok());
  EXPECT_EQ(range.error().message, "kek.yaml:4:5: plugins[0].args.port: must be between 0 and 65535");
  EXPECT_EQ(range.error().code, 400);
  EXPECT_EQ(f.port, 8890) << "a refused value is not stored";

  auto type = read_all(args_of(R"({"secure":"yes","colour":1})"), f);
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(type.error().message, "kek.yaml:4:5: plugins[0].args.secure: must be true or false");
  auto unknown = read_all(args_of(R"({"app":"x","colour":1})"), f);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message, "kek.yaml:4:5: plugins[0].args.colour: unknown key")
      << "the unknown-key check runs after every read";
  auto text = read_all(args_of(R"({"app":7})"), f);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().message, "kek.yaml:4:5: plugins[0].args.app: must be a string");
}

TEST(ArgsRead, AnIntFieldNeverTakesANumberBeyondItsType) {
  int small = 1;
  auto args = args_of(R"({"n":4294967296})");
  auto st = args.read("n", small, 0, INT64_MAX);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("n: must be between 0 and 2147483647"), std::string::npos) << st.error().message;
  EXPECT_EQ(small, 1);
}

// A streaming thread or a worker hands work to the main loop: it runs there, later, even when
// the calling thread could acquire the context itself (nobody iterates it at that moment), where
// g_main_context_invoke would have run it right there on the calling thread: the default main
// context from any thread, or a context the caller has as its thread default.
TEST(RunOnMain, RunsOnTheContextsThreadNeverInlineOnTheCaller) {
  GMainContext* own = g_main_context_new();
  for (GMainContext* context : {static_cast<GMainContext*>(nullptr), own}) {
    SCOPED_TRACE(context ? "a context of its own" : "the default main context");
    std::atomic<int> runs{0};
    std::thread::id ran_on;
    bool ran_before_return = true;
    std::thread caller([&] {
      if (context) g_main_context_push_thread_default(context);
      kek::run_on_main([&] {
        ran_on = std::this_thread::get_id();
        ++runs;
      }, context);
      ran_before_return = runs.load() > 0;
      if (context) g_main_context_pop_thread_default(context);
    });
    caller.join();
    EXPECT_FALSE(ran_before_return) << "ran inline on the calling thread";
    EXPECT_EQ(runs.load(), 0) << "nothing has iterated the context yet";
    GMainContext* iterated = context ? context : g_main_context_default();
    for (int i = 0; i < 100 && runs.load() == 0; ++i) g_main_context_iteration(iterated, FALSE);
    EXPECT_EQ(runs.load(), 1);
    EXPECT_EQ(ran_on, std::this_thread::get_id()) << "on the thread that iterates the context";
  }

  // Dropped, and freed, if the context is never iterated again.
  auto kept = std::make_shared<int>(1);
  kek::run_on_main([kept] {}, own);
  EXPECT_EQ(kept.use_count(), 2);
  g_main_context_unref(own);
  EXPECT_EQ(kept.use_count(), 1) << "the function is freed with its source";
}
