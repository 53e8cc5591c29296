#include "config/live_layout.h"
#include "config/templates.h"

#include <gtest/gtest.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <algorithm>

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

TEST(Templates, GeneratorBuildsTheLineFromTheVariables) {
  PipelineTemplate t{"gen", "", "", {{"n", "4"}}, {}, "plugin:test"};
  t.generate = [](const kek::VarLookup& var) -> kek::Result<std::string> {
    if (var("fail") == "yes") return kek::Error{"no source", 400};
    std::string line = "videotestsrc num-buffers=${n}";
    for (int i = 0; i < std::stoi(var("n")); ++i) line += " ! identity";
    return line + " ! fakesink name=${name}";
  };
  auto line = expand_template(t, {{"n", "2"}, {"name", "out"}});
  ASSERT_TRUE(line.ok()) << line.error().message;
  EXPECT_EQ(*line, "videotestsrc num-buffers=2 ! identity ! identity ! fakesink name=out");
  auto failed = expand_template(t, {{"fail", "yes"}, {"name", "x"}});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("template gen"), std::string::npos) << failed.error().message;
  EXPECT_NE(failed.error().message.find("no source"), std::string::npos) << failed.error().message;
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

TEST(Templates, LiveLayoutExpandsLadderOutputsAndTracks) {
  auto t = parse_template(R"(
name: live-abr
source: kekrtmpsrc stream=${stream} ! flvdemux name=demux
ladder:
  - {name: source, passthrough: true}
  - {name: 720p, height: 720, bitrate: 3000k}
  - {name: 480p, height: 480, bitrate: 1400k}
outputs: [hls, dash]
)", "pipelines/live-abr.yaml");
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_TRUE(t->layout.has_value());
  EXPECT_EQ(t->layout->ladder.size(), 3u);
  EXPECT_EQ(t->layout->ladder[1].bitrate_kbps, 3000);
  kek::Vars vars = {{"stream", "cam"}, {"app", "live"}, {"media_dir", "/m"}, {"run", "7"}, {"source_width", "1920"},
                    {"source_height", "1080"}, {"fps", "30"}};
  auto line = expand_template(*t, vars);
  ASSERT_TRUE(line.ok()) << line.error().message;
  const std::string& l = *line;
  // Decoded once, each rung scaled to an even width with the source's aspect, keyframes every segment.
  EXPECT_EQ(std::count(l.begin(), l.end(), '!') > 10, true);
  EXPECT_NE(l.find("avdec_h264 ! videoconvert ! tee name=raw"), std::string::npos) << l;
  EXPECT_EQ(l.find("avdec_h264", l.find("avdec_h264") + 1), std::string::npos) << "decode once: " << l;
  EXPECT_NE(l.find("video/x-raw,format=I420,width=1280,height=720"), std::string::npos) << l;
  EXPECT_NE(l.find("video/x-raw,format=I420,width=854,height=480"), std::string::npos) << l;
  EXPECT_NE(l.find("key-int-max=60"), std::string::npos) << l;
  // Scaled in cascade: 480p from the 720p frames, 720p from the decoded source.
  EXPECT_NE(l.find("raw. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000 ! videoscale ! "
                   "video/x-raw,format=I420,width=1280,height=720"), std::string::npos) << l;
  EXPECT_NE(l.find("scaled1. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000 ! videoscale ! "
                   "video/x-raw,format=I420,width=854,height=480"), std::string::npos) << l;
  EXPECT_NE(l.find("hls.video_0"), std::string::npos);
  EXPECT_NE(l.find("hls.video_2"), std::string::npos);
  EXPECT_NE(l.find("dash.video_1"), std::string::npos);
  EXPECT_NE(l.find("srca. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000 ! hls.audio"), std::string::npos);
  EXPECT_NE(l.find("kekhlssink name=hls location=/m/live/cam target-duration=2 playlist-length=6 variants=source,720p,480p bitrates=0,3000000,1400000"),
            std::string::npos) << l;
  EXPECT_NE(l.find("kekdashsink name=dash location=/m/live/cam/dash mpd-name=manifest.mpd target-duration=2 window=6 "
                   "representations=source,720p,480p bitrates=0,3000000,1400000"), std::string::npos) << l;
  // DASH gets avc from a parser of its own on each rung; HLS keeps the rung's byte-stream.
  EXPECT_NE(l.find("rung1. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000 ! h264parse ! dash.video_1"),
            std::string::npos) << l;
  EXPECT_NE(l.find("srca. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000 ! dash.audio "), std::string::npos) << l;
  EXPECT_EQ(l.find("recmux"), std::string::npos) << "no recording unless asked";
  // The preview: the source's keyframes behind a leaky queue, beside the HLS/DASH files.
  EXPECT_NE(l.find("srcv. ! queue leaky=downstream max-size-buffers=30 max-size-bytes=0 max-size-time=0 ! "
                   "kekthumbnailsink location=/m/live/cam/thumb.jpg interval=10"), std::string::npos) << l;
  EXPECT_EQ(l.find("kekthumbnailsink", l.find("kekthumbnailsink") + 1), std::string::npos) << "one preview: " << l;

  // A 720p source: no upscaled 720p rung; an audio-only stream: no video branch at all.
  vars["source_height"] = "720";
  vars["source_width"] = "1280";
  auto smaller = expand_template(*t, vars);
  EXPECT_EQ(smaller->find("height=720"), std::string::npos) << *smaller;
  vars["has_video"] = "0";
  auto audio_only = expand_template(*t, vars);
  EXPECT_EQ(audio_only->find("demux.video"), std::string::npos) << *audio_only;
  EXPECT_NE(audio_only->find("demux.audio"), std::string::npos);
  EXPECT_EQ(audio_only->find("variants="), std::string::npos);
  EXPECT_EQ(audio_only->find("kekthumbnailsink"), std::string::npos) << *audio_only;
  vars["has_video"] = "1";
  vars["has_audio"] = "0";
  vars["record"] = "true";
  auto video_rec = expand_template(*t, vars);
  EXPECT_EQ(video_rec->find("demux.audio"), std::string::npos);
  EXPECT_NE(video_rec->find("srcv. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000 ! h264parse ! recmux.video_0"), std::string::npos);
  EXPECT_NE(video_rec->find("filesink name=record location=/m/recordings/cam/7.mp4"), std::string::npos) << *video_rec;
  // A template (or the host, without the element) turns the preview off; the interval is a variable.
  vars["thumbnails"] = "false";
  auto no_thumb = expand_template(*t, vars);
  EXPECT_EQ(no_thumb->find("kekthumbnailsink"), std::string::npos) << *no_thumb;
  vars["thumbnails"] = "true";
  vars["thumbnail_interval"] = "3";
  auto quick = expand_template(*t, vars);
  EXPECT_NE(quick->find("kekthumbnailsink location=/m/live/cam/thumb.jpg interval=3"), std::string::npos) << *quick;
}

TEST(Templates, LiveLayoutDirectoriesHoldTheThumbnail) {
  kek::LiveLayout record_only;
  record_only.source = "a ! flvdemux name=demux";
  record_only.outputs = {"record"};
  kek::Vars vars;
  auto lookup = [&](const std::string& name) {
    auto it = vars.find(name);
    return it == vars.end() ? std::string() : it->second;
  };
  // Only a recording: the stream's folder still exists for its picture.
  auto dirs = live_layout_directories(record_only, lookup);
  EXPECT_NE(std::find(dirs.begin(), dirs.end(), "${media_dir}/${app}/${stream}"), dirs.end());
  EXPECT_NE(std::find(dirs.begin(), dirs.end(), "${media_dir}/recordings/${stream}"), dirs.end());
  vars["thumbnails"] = "false";
  dirs = live_layout_directories(record_only, lookup);
  EXPECT_EQ(std::find(dirs.begin(), dirs.end(), "${media_dir}/${app}/${stream}"), dirs.end());
  vars.erase("thumbnails");
  vars["has_video"] = "0";
  dirs = live_layout_directories(record_only, lookup);
  EXPECT_EQ(std::find(dirs.begin(), dirs.end(), "${media_dir}/${app}/${stream}"), dirs.end());
}

TEST(Templates, LiveLayoutErrors) {
  auto both = parse_template("name: x\nlaunch: fakesrc ! fakesink\nsource: a ! flvdemux name=demux\n", "x.yaml");
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.error().message.find("either launch or source"), std::string::npos);
  auto bad_rung = parse_template("name: x\nsource: a\nladder:\n  - {name: hd, height: 720}\n", "x.yaml");
  ASSERT_FALSE(bad_rung.ok());
  EXPECT_NE(bad_rung.error().message.find("x.yaml:4:5: ladder[0]: an encoded rung needs height and bitrate"), std::string::npos)
      << bad_rung.error().message;
  auto bad_rate = parse_template("name: x\nsource: a\nladder:\n  - {name: hd, height: 720, bitrate: fast}\n", "x.yaml");
  ASSERT_FALSE(bad_rate.ok());
  EXPECT_NE(bad_rate.error().message.find("ladder[0].bitrate: must be a bitrate"), std::string::npos) << bad_rate.error().message;
  auto bad_output = parse_template("name: x\nsource: a\noutputs: [hls, rtsp]\n", "x.yaml");
  ASSERT_FALSE(bad_output.ok());
  EXPECT_NE(bad_output.error().message.find("outputs[1]: unknown output"), std::string::npos) << bad_output.error().message;
}
