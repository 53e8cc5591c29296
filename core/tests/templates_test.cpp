#include "config/templates.h"

#include <gtest/gtest.h>

#include <glib.h>
#include <glib/gstdio.h>

using namespace kek::core;
using kek::PipelineTemplate;

TEST(Templates, ParsesAFile) {
  auto t = parse_template(R"(
name: live
description: Live HLS
defaults: {segment: 2}
directories: ["${media_dir}/live/${key}"]
launch: >-
  kekrtmpsrc key=${key} !
  fakesink
)", "pipelines/live.yaml");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->name, "live");
  EXPECT_EQ(t->defaults.at("segment"), "2");
  EXPECT_EQ(t->directories.size(), 1u);
  EXPECT_EQ(t->origin, "pipelines/live.yaml");
}

TEST(Templates, ErrorsNameFileLineAndKey) {
  auto t = parse_template("name: x\nlaunch: fakesrc ! fakesink\nlanuch: typo\n", "pipelines/x.yaml");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message.rfind("pipelines/x.yaml:3:1: lanuch: unknown key", 0), 0u) << t.error().message;
  auto no_launch = parse_template("name: x\n", "x.yaml");
  ASSERT_FALSE(no_launch.ok());
  EXPECT_NE(no_launch.error().message.find("needs a launch line"), std::string::npos);
  auto bad_name = parse_template("name: 'a b'\nlaunch: x\n", "x.yaml");
  ASSERT_FALSE(bad_name.ok());
}

TEST(Templates, ExpandsVariablesAndFoldsLines) {
  PipelineTemplate t{"t", "", "videotestsrc num-buffers=${n} !\n  fakesink   name=${name} price=$$5", {{"n", "10"}}, {}, ""};
  auto line = expand_template(t, {{"name", "sink"}});
  ASSERT_TRUE(line.ok()) << line.error().message;
  EXPECT_EQ(*line, "videotestsrc num-buffers=10 ! fakesink name=sink price=$5");
  auto overridden = expand_template(t, {{"name", "s"}, {"n", "3"}});
  EXPECT_EQ(*overridden, "videotestsrc num-buffers=3 ! fakesink name=s price=$5");
}

TEST(Templates, UnknownVariableIsAnError) {
  PipelineTemplate t{"live", "", "fakesrc name=${nope} ! fakesink", {}, {}, ""};
  auto line = expand_template(t, {});
  ASSERT_FALSE(line.ok());
  EXPECT_NE(line.error().message.find("${nope}"), std::string::npos);
  EXPECT_NE(line.error().message.find("template live"), std::string::npos);
}

TEST(Templates, HostileValuesCannotAddElements) {
  PipelineTemplate t{"t", "", "filesrc location=${path} ! fakesink", {}, {}, ""};
  auto line = expand_template(t, {{"path", "/x ! filesink location=/etc/passwd"}});
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(*line, "filesrc location=\"/x ! filesink location=/etc/passwd\" ! fakesink");
  auto quotes = expand_template(t, {{"path", "a\"b"}});
  EXPECT_EQ(*quotes, "filesrc location=\"a\\\"b\" ! fakesink");
  PipelineTemplate quoted{"t", "", "textoverlay text=\"Hi ${who}\" ! fakesink", {}, {}, ""};
  auto inside = expand_template(quoted, {{"who", "\"x\" ! y"}});
  EXPECT_EQ(*inside, "textoverlay text=\"Hi x ! y\" ! fakesink");
}

TEST(Templates, LoadsFolderAndRefusesDuplicates) {
  g_autofree char* dir = g_dir_make_tmp("kek-templates-XXXXXX", nullptr);
  std::string d = dir;
  ASSERT_TRUE(g_file_set_contents((d + "/a.yaml").c_str(), "name: a\nlaunch: fakesrc ! fakesink\n", -1, nullptr));
  ASSERT_TRUE(g_file_set_contents((d + "/b.yaml").c_str(), "name: b\nlaunch: fakesrc ! fakesink\n", -1, nullptr));
  ASSERT_TRUE(g_file_set_contents((d + "/notes.txt").c_str(), "ignored", -1, nullptr));
  auto all = load_templates({d});
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->size(), 2u);
  ASSERT_TRUE(g_file_set_contents((d + "/c.yaml").c_str(), "name: a\nlaunch: fakesrc ! fakesink\n", -1, nullptr));
  auto dup = load_templates({d});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("already defined"), std::string::npos);
  for (auto f : {"/a.yaml", "/b.yaml", "/c.yaml", "/notes.txt"}) g_remove((d + f).c_str());
  g_rmdir(dir);
}

TEST(Templates, ShippedTemplatesAllParse) {
  auto all = load_templates({std::string(KEK_SOURCE_DIR) + "/pipelines"});
  ASSERT_TRUE(all.ok()) << all.error().message;
  bool has_demo = false;
  for (const auto& t : *all) has_demo = has_demo || t.name == "demo";
  EXPECT_TRUE(has_demo);
}
