#include "events/event_bus.h"

#include <gtest/gtest.h>

#include <thread>

using namespace kek;
using namespace kek::core;

TEST(EventBus, DeliversOnTheMainLoopInOrderWithPatterns) {
  MainEventBus bus(nullptr);
  std::vector<std::string> exact, prefix, all;
  bus.subscribe("stream.started", [&](const Event& e) { exact.push_back(e.get("key")); });
  bus.subscribe("stream.*", [&](const Event& e) { prefix.push_back(e.name); });
  uint64_t id = bus.subscribe("*", [&](const Event& e) { all.push_back(e.name); });
  bus.publish({"stream.started", {{"key", "k1"}}});
  bus.publish({"stream.ended", {{"key", "k1"}}});
  bus.publish({"recording.finished", {}});
  EXPECT_TRUE(exact.empty()) << "delivery must wait for the main loop";
  while (g_main_context_iteration(nullptr, FALSE)) {
  }
  EXPECT_EQ(exact, (std::vector<std::string>{"k1"}));
  EXPECT_EQ(prefix, (std::vector<std::string>{"stream.started", "stream.ended"}));
  EXPECT_EQ(all.size(), 3u);
  bus.unsubscribe(id);
  bus.publish({"stream.started", {{"key", "k2"}}});
  while (g_main_context_iteration(nullptr, FALSE)) {
  }
  EXPECT_EQ(all.size(), 3u);
  EXPECT_EQ(exact.size(), 2u);
}

TEST(EventBus, PublishFromAnotherThreadRunsHandlerOnMainThread) {
  MainEventBus bus(nullptr);
  std::thread::id handler_thread;
  bool got = false;
  bus.subscribe("x", [&](const Event&) {
    handler_thread = std::this_thread::get_id();
    got = true;
  });
  std::thread t([&] { bus.publish({"x", {}}); });
  t.join();
  for (int i = 0; i < 100 && !got; ++i) g_main_context_iteration(nullptr, FALSE);
  EXPECT_TRUE(got);
  EXPECT_EQ(handler_thread, std::this_thread::get_id());
}
