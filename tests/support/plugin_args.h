// A plugin's config args for a unit test of its settings reader: the JSON it would get from
// kek.yaml, each error placed at "args.KEY" (the host names the file, line and column there).
#pragma once

#include <kek/args.h>

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace kek::test {

inline kek::Args plugin_args(const std::string& json) {
  auto doc = kek::JsonDoc::parse(json);
  EXPECT_TRUE(doc.ok()) << json;
  if (!doc.ok()) doc = kek::JsonDoc::parse("{}");
  return kek::Args(std::move(*doc), [](const std::string& key) { return "args." + key; });
}

}  // namespace kek::test
