#include "config/live_layout.h"
#include "config/templates.h"

#include <gtest/gtest.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <algorithm>
#include <memory>

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

namespace {

// An output as a plugin would register it, keeping what the layout handed it.
struct FakeOutput {
  std::string name;
  std::vector<kek::LiveLayoutContext> seen;
};

kek::LiveOutput fake_output(const std::shared_ptr<FakeOutput>& fake, bool joins = false, bool inline_safe = false,
                            bool takes_avc = false, bool takes_raw_aac = false) {
  kek::LiveOutput out;
  out.name = fake->name;
  out.inline_safe = inline_safe;
  out.takes_avc = takes_avc;
  out.takes_raw_aac = takes_raw_aac;
  out.branch = [fake](const kek::LiveLayoutContext& c) -> kek::Result<kek::LiveOutputBranch> {
    fake->seen.push_back(c);
    kek::LiveOutputBranch b;
    for (size_t i = 0; i < c.rungs.size(); ++i)
      b.launch += " " + kek::branch_from(c, c.rungs[i].tee) + fake->name + ".video_" + std::to_string(i);
    if (!c.audio_tee.empty()) b.launch += " " + c.audio_tee + ". ! " + fake->name + ".audio";
    b.launch += " fakesink name=" + fake->name;
    b.directories = {c.output_dir, c.output_dir + "/" + fake->name};
    return b;
  };
  if (joins) out.joins_unlisted = [](const kek::LiveLayoutContext& c) { return c.has_video && c.lookup("pic") != "false"; };
  return out;
}

struct Registry {
  Registry() {
    EXPECT_TRUE(outputs.add(record_output(), "core").ok());
    EXPECT_TRUE(outputs.add(fake_output(hls), "plugin:a").ok());
    EXPECT_TRUE(outputs.add(fake_output(dash), "plugin:b").ok());
    EXPECT_TRUE(outputs.add(fake_output(pic, true), "plugin:c").ok());
  }
  std::shared_ptr<FakeOutput> hls = std::make_shared<FakeOutput>(FakeOutput{"hls", {}});
  std::shared_ptr<FakeOutput> dash = std::make_shared<FakeOutput>(FakeOutput{"dash", {}});
  std::shared_ptr<FakeOutput> pic = std::make_shared<FakeOutput>(FakeOutput{"pic", {}});
  LiveOutputRegistry outputs;
};

constexpr const char* kQueue = "queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000";

}  // namespace

TEST(Templates, LiveLayoutBuildsTheLadderAndHandsItsTeesToTheOutputs) {
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
  Registry r;
  kek::Vars vars = {{"stream", "cam"}, {"app", "live"}, {"media_dir", "/m"}, {"run", "7"}, {"source_width", "1920"},
                    {"source_height", "1080"}, {"fps", "30"}};
  auto line = expand_template(*t, vars, &r.outputs);
  ASSERT_TRUE(line.ok()) << line.error().message;
  const std::string& l = *line;
  // Decoded once, each rung scaled to an even width with the source's aspect, keyframes every segment.
  // The decoder wants caps that say alignment=au: parsed first, unlike a passthrough stream.
  EXPECT_NE(l.find("demux.video ! " + std::string(kQueue) + " ! h264parse config-interval=-1 ! tee name=srcv"),
            std::string::npos) << l;
  EXPECT_NE(l.find("avdec_h264 ! videoconvert ! tee name=raw"), std::string::npos) << l;
  EXPECT_EQ(l.find("avdec_h264", l.find("avdec_h264") + 1), std::string::npos) << "decode once: " << l;
  EXPECT_NE(l.find("video/x-raw,format=I420,width=1280,height=720"), std::string::npos) << l;
  EXPECT_NE(l.find("video/x-raw,format=I420,width=854,height=480"), std::string::npos) << l;
  EXPECT_NE(l.find("key-int-max=60"), std::string::npos) << l;
  // Scaled in cascade: 480p from the 720p frames, 720p from the decoded source.
  EXPECT_NE(l.find("raw. ! " + std::string(kQueue) + " ! videoscale ! video/x-raw,format=I420,width=1280,height=720"),
            std::string::npos) << l;
  EXPECT_NE(l.find("scaled1. ! " + std::string(kQueue) + " ! videoscale ! video/x-raw,format=I420,width=854,height=480"),
            std::string::npos) << l;
  // x264 on one thread per rung up to 720p30 (the rungs run in parallel): no slice threads.
  EXPECT_NE(l.find("bitrate=3000 vbv-buf-capacity=1000 key-int-max=60 bframes=0 threads=1 option-string="),
            std::string::npos) << l;
  EXPECT_NE(l.find("bitrate=1400 vbv-buf-capacity=1000 key-int-max=60 bframes=0 threads=1 option-string="),
            std::string::npos) << l;
  // Each rung encoded on its scale's thread: no queue between the scale and the encoder.
  EXPECT_NE(l.find("tee name=scaled1 scaled1. ! x264enc "), std::string::npos) << l;
  EXPECT_NE(l.find("tee name=scaled2 scaled2. ! x264enc "), std::string::npos) << l;
  EXPECT_NE(l.find("demux.audio ! " + std::string(kQueue) + " ! aacparse ! tee name=srca"), std::string::npos) << l;

  // Each listed output got the same view of the ladder, and its branch went into the line.
  ASSERT_EQ(r.hls->seen.size(), 1u);
  ASSERT_EQ(r.dash->seen.size(), 1u);
  const kek::LiveLayoutContext& c = r.hls->seen[0];
  ASSERT_EQ(c.rungs.size(), 3u);
  EXPECT_EQ(c.rungs[0].name, "source");
  EXPECT_EQ(c.rungs[0].tee, "srcv");
  EXPECT_TRUE(c.rungs[0].passthrough);
  EXPECT_EQ(c.rungs[0].declared_bps, 0u);
  EXPECT_EQ(c.rungs[1].name, "720p");
  EXPECT_EQ(c.rungs[1].tee, "rung1");
  EXPECT_EQ(c.rungs[1].declared_bps, 3000000u);
  EXPECT_EQ(c.rungs[2].tee, "rung2");
  EXPECT_EQ(c.rungs[2].declared_bps, 1400000u);
  EXPECT_EQ(c.video_tee, "srcv");
  EXPECT_EQ(c.audio_tee, "srca");
  EXPECT_EQ(c.segment_s, 2);
  EXPECT_EQ(c.window, 6);
  EXPECT_EQ(c.output_dir, "${media_dir}/${app}/${stream}");
  EXPECT_EQ(c.queue, kQueue);
  EXPECT_EQ(c.lookup("fps"), "30");
  EXPECT_NE(l.find("rung1. ! " + std::string(kQueue) + " ! hls.video_1"), std::string::npos) << l;
  EXPECT_NE(l.find("rung2. ! " + std::string(kQueue) + " ! dash.video_2"), std::string::npos) << l;
  EXPECT_NE(l.find("srca. ! hls.audio"), std::string::npos) << l;
  EXPECT_LT(l.find("fakesink name=hls"), l.find("fakesink name=dash")) << "registration order: " << l;
  EXPECT_EQ(l.find("recmux"), std::string::npos) << "no recording unless asked";
  // An output that joins every layout with video (the preview picture) came without being listed.
  EXPECT_NE(l.find("fakesink name=pic"), std::string::npos) << l;

  {
    kek::Vars fast = vars;  // 720p60: more than one thread keeps in real time, x264 picks how many
    fast["fps"] = "60";
    auto l60 = expand_template(*t, fast, &r.outputs);
    ASSERT_TRUE(l60.ok());
    EXPECT_NE(l60->find("bitrate=3000 vbv-buf-capacity=1000 key-int-max=120 bframes=0 option-string="),
              std::string::npos) << *l60;
    EXPECT_NE(l60->find("bitrate=1400 vbv-buf-capacity=1000 key-int-max=120 bframes=0 threads=1 option-string="),
              std::string::npos) << "480p60 is under 720p30's pixels: " << *l60;
  }
  // A 720p source: no upscaled 720p rung; an audio-only stream: no video branch, no rungs.
  vars["source_height"] = "720";
  vars["source_width"] = "1280";
  auto smaller = expand_template(*t, vars, &r.outputs);
  ASSERT_TRUE(smaller.ok());
  EXPECT_EQ(smaller->find("height=720"), std::string::npos) << *smaller;
  EXPECT_EQ(r.hls->seen.back().rungs.size(), 2u);
  vars["has_video"] = "0";
  auto audio_only = expand_template(*t, vars, &r.outputs);
  ASSERT_TRUE(audio_only.ok());
  EXPECT_EQ(audio_only->find("demux.video"), std::string::npos) << *audio_only;
  EXPECT_NE(audio_only->find("demux.audio"), std::string::npos);
  EXPECT_TRUE(r.hls->seen.back().rungs.empty());
  EXPECT_TRUE(r.hls->seen.back().video_tee.empty());
  EXPECT_EQ(audio_only->find("fakesink name=pic"), std::string::npos) << *audio_only;

  // Video only, recorded: core's own record output, each track through a parser of its own.
  vars["has_video"] = "1";
  vars["has_audio"] = "0";
  vars["record"] = "true";
  auto video_rec = expand_template(*t, vars, &r.outputs);
  ASSERT_TRUE(video_rec.ok());
  EXPECT_EQ(video_rec->find("demux.audio"), std::string::npos);
  EXPECT_TRUE(r.hls->seen.back().audio_tee.empty());
  EXPECT_NE(video_rec->find("srcv. ! " + std::string(kQueue) + " ! h264parse ! recmux.video_0"), std::string::npos)
      << *video_rec;
  EXPECT_NE(video_rec->find("mp4mux name=recmux fragment-duration=1000 streamable=true ! filesink name=record "
                            "location=/m/recordings/cam/7.mp4"),
            std::string::npos) << *video_rec;
  // The joining output stays out when its variable says so.
  vars["pic"] = "false";
  auto no_pic = expand_template(*t, vars, &r.outputs);
  EXPECT_EQ(no_pic->find("fakesink name=pic"), std::string::npos) << *no_pic;
}

TEST(Templates, OutputsThatNeverWaitRunOnTheirTeesThreads) {
  // The passthrough layout on its source's thread from the demuxer to the last file: no queue,
  // so no thread per stream. An encoded ladder queues only the decoder and each rung (whose
  // thread scales, encodes and writes that rung's files); an output that may wait (the
  // recording's mp4mux over two pads) brings a queue for every branch back.
  auto t = parse_template(R"(
name: live
source: kekrtmpsrc stream=${stream} ! flvdemux name=demux
ladder:
  - {name: source, passthrough: true}
outputs: [hls, dash]
)", "pipelines/live.yaml");
  ASSERT_TRUE(t.ok()) << t.error().message;
  LiveOutputRegistry outputs;
  auto hls = std::make_shared<FakeOutput>(FakeOutput{"hls", {}});
  auto dash = std::make_shared<FakeOutput>(FakeOutput{"dash", {}});
  auto pic = std::make_shared<FakeOutput>(FakeOutput{"pic", {}});
  ASSERT_TRUE(outputs.add(record_output(), "core").ok());
  ASSERT_TRUE(outputs.add(fake_output(hls, false, true, true, true), "plugin:a").ok());
  ASSERT_TRUE(outputs.add(fake_output(dash, false, true, true, true), "plugin:b").ok());
  ASSERT_TRUE(outputs.add(fake_output(pic, true, true, true, true), "plugin:c").ok());
  kek::Vars vars = {{"stream", "cam"}, {"app", "live"}, {"media_dir", "/m"}, {"run", "7"}, {"source_width", "1280"},
                    {"source_height", "720"}, {"fps", "30"}};
  auto line = expand_template(*t, vars, &outputs);
  ASSERT_TRUE(line.ok()) << line.error().message;
  EXPECT_EQ(line->find("queue"), std::string::npos) << *line;
  EXPECT_NE(line->find("demux.video ! tee name=srcv"), std::string::npos) << *line;
  EXPECT_EQ(line->find("h264parse"), std::string::npos) << "flvdemux gives whole access units: " << *line;
  EXPECT_NE(line->find("demux.audio ! tee name=srca"), std::string::npos) << *line;
  EXPECT_EQ(line->find("aacparse"), std::string::npos) << "flvdemux gives framed AAC: " << *line;
  EXPECT_NE(line->find("srcv. ! hls.video_0"), std::string::npos) << *line;
  EXPECT_TRUE(hls->seen.back().queue.empty());
  EXPECT_NE(line->find("fakesink name=pic"), std::string::npos) << *line;

  vars["record"] = "true";  // mp4mux waits for both tracks: every branch gets its queue
  auto recorded = expand_template(*t, vars, &outputs);
  ASSERT_TRUE(recorded.ok());
  EXPECT_NE(recorded->find("demux.video ! " + std::string(kQueue) + " ! tee name=srcv"), std::string::npos) << *recorded;
  EXPECT_NE(recorded->find("srcv. ! " + std::string(kQueue) + " ! hls.video_0"), std::string::npos) << *recorded;
  EXPECT_EQ(hls->seen.back().queue, kQueue);
  // The recording parses its own copy for mp4mux; the other outputs still take it raw.
  EXPECT_NE(recorded->find("demux.audio ! " + std::string(kQueue) + " ! tee name=srca"), std::string::npos) << *recorded;
  EXPECT_NE(recorded->find("srca. ! " + std::string(kQueue) + " ! aacparse ! recmux.audio_0"), std::string::npos)
      << *recorded;

  auto ladder = parse_template(R"(
name: live-abr
source: kekrtmpsrc stream=${stream} ! flvdemux name=demux
ladder:
  - {name: source, passthrough: true}
  - {name: 360p, height: 360, bitrate: 800k}
outputs: [hls]
)", "pipelines/live-abr.yaml");
  ASSERT_TRUE(ladder.ok());
  vars["record"] = "false";
  auto encoded = expand_template(*ladder, vars, &outputs);
  ASSERT_TRUE(encoded.ok());
  const std::string& e = *encoded;
  EXPECT_NE(e.find("demux.video ! h264parse config-interval=-1 ! tee name=srcv"), std::string::npos) << e;
  EXPECT_NE(e.find("srcv. ! " + std::string(kQueue) + " ! avdec_h264"), std::string::npos) << e;
  EXPECT_NE(e.find("raw. ! " + std::string(kQueue) + " ! videoscale"), std::string::npos) << e;
  EXPECT_NE(e.find("tee name=scaled1 scaled1. ! x264enc "), std::string::npos) << e;
  EXPECT_NE(e.find("rung1. ! hls.video_1"), std::string::npos) << e;
  EXPECT_NE(e.find("srcv. ! hls.video_0"), std::string::npos) << e;
  EXPECT_NE(e.find("demux.audio ! tee name=srca"), std::string::npos) << "the audio is passed through: " << e;
  size_t queues = 0;
  for (size_t at = e.find("queue "); at != std::string::npos; at = e.find("queue ", at + 1)) ++queues;
  EXPECT_EQ(queues, 2u) << "the decoder's and the rung's: " << e;
  EXPECT_TRUE(hls->seen.back().queue.empty());

  vars["record"] = "true";
  auto encoded_recorded = expand_template(*ladder, vars, &outputs);
  ASSERT_TRUE(encoded_recorded.ok());
  EXPECT_NE(encoded_recorded->find("rung1. ! " + std::string(kQueue) + " ! hls.video_1"), std::string::npos)
      << *encoded_recorded;
  EXPECT_NE(encoded_recorded->find("demux.video ! " + std::string(kQueue) + " ! h264parse"), std::string::npos)
      << *encoded_recorded;

  // A demuxer whose byte-stream is not cut into access units (tsdemux) keeps the parser.
  auto ts = parse_template(R"(
name: live-ts
source: srtsrc uri=srt://127.0.0.1:1 ! tsdemux name=demux
ladder:
  - {name: source, passthrough: true}
outputs: [hls]
)", "pipelines/live-ts.yaml");
  ASSERT_TRUE(ts.ok()) << ts.error().message;
  vars["record"] = "false";
  auto from_ts = expand_template(*ts, vars, &outputs);
  ASSERT_TRUE(from_ts.ok()) << from_ts.error().message;
  EXPECT_NE(from_ts->find("demux.video ! h264parse config-interval=-1 ! tee name=srcv"), std::string::npos) << *from_ts;
  EXPECT_NE(from_ts->find("demux.audio ! aacparse ! tee name=srca"), std::string::npos) << *from_ts;

  // So does a passthrough from flvdemux with an output that wants parsed byte-stream (takes_avc unset).
  LiveOutputRegistry parsed;
  ASSERT_TRUE(parsed.add(fake_output(hls, false, true, true, true), "plugin:a").ok());
  ASSERT_TRUE(parsed.add(fake_output(dash, false, true, false, false), "plugin:b").ok());
  auto with_parsed = expand_template(*t, vars, &parsed);
  ASSERT_TRUE(with_parsed.ok()) << with_parsed.error().message;
  EXPECT_NE(with_parsed->find("demux.video ! h264parse config-interval=-1 ! tee name=srcv"), std::string::npos)
      << *with_parsed;
  // And its audio through aacparse (takes_raw_aac unset).
  EXPECT_NE(with_parsed->find("demux.audio ! aacparse ! tee name=srca"), std::string::npos) << *with_parsed;
}

TEST(Templates, TheRungsAreScaledByTheScalerAPluginSet) {
  kek::LiveLayout layout;
  layout.source = "kekrtmpsrc stream=cam ! flvdemux name=demux";
  layout.ladder = {{"source", true, 0, 0, {}}, {"720p", false, 720, 3000, {}}, {"360p", false, 360, 800, {}}};
  layout.outputs = {"hls"};
  kek::Vars vars = {{"source_width", "1920"}, {"source_height", "1080"}};
  auto lookup = [&](const std::string& name) {
    auto it = vars.find(name);
    return it == vars.end() ? std::string() : it->second;
  };
  Registry r;
  EXPECT_EQ(r.outputs.scaler(), "videoscale");
  // Set by a plugin: every encoded rung (each in cascade from the next taller) goes through it.
  ASSERT_TRUE(r.outputs.set_scaler("kekswscale method=bicubic", "plugin:swscale").ok());
  auto line = live_layout_line(layout, lookup, r.outputs);
  ASSERT_TRUE(line.ok()) << line.error().message;
  const std::string& l = line->launch;
  EXPECT_NE(l.find("raw. ! " + std::string(kQueue) + " ! kekswscale method=bicubic ! video/x-raw,format=I420,width=1280,height=720"),
            std::string::npos) << l;
  EXPECT_NE(l.find("scaled1. ! " + std::string(kQueue) + " ! kekswscale method=bicubic ! video/x-raw,format=I420,width=640,height=360"),
            std::string::npos) << l;
  EXPECT_EQ(l.find("videoscale"), std::string::npos) << l;
  // One scaler per process; nothing that is not one element.
  EXPECT_EQ(r.outputs.set_scaler("videoscale method=lanczos", "plugin:other").error().code, 409);
  LiveOutputRegistry fresh;
  EXPECT_EQ(fresh.set_scaler(" ", "plugin:x").error().code, 400);
  EXPECT_EQ(fresh.set_scaler("videoscale ! videoconvert", "plugin:x").error().code, 400);
  // The plugin's scaler goes with it (its init failed): videoscale again.
  r.outputs.remove_origin("plugin:other");
  EXPECT_EQ(r.outputs.scaler(), "kekswscale method=bicubic");
  r.outputs.remove_origin("plugin:swscale");
  EXPECT_EQ(r.outputs.scaler(), "videoscale");
  line = live_layout_line(layout, lookup, r.outputs);
  ASSERT_TRUE(line.ok());
  EXPECT_NE(line->launch.find("raw. ! " + std::string(kQueue) + " ! videoscale ! video/x-raw,format=I420,width=1280,height=720"),
            std::string::npos) << line->launch;
}

TEST(Templates, LiveLayoutDirectoriesAreTheOutputs) {
  kek::LiveLayout record_only;
  record_only.source = "a ! flvdemux name=demux";
  record_only.outputs = {"record"};
  kek::Vars vars;
  auto lookup = [&](const std::string& name) {
    auto it = vars.find(name);
    return it == vars.end() ? std::string() : it->second;
  };
  Registry r;
  // Only a recording: the joining output's folder (the picture's) exists too, once each.
  auto line = live_layout_line(record_only, lookup, r.outputs);
  ASSERT_TRUE(line.ok()) << line.error().message;
  EXPECT_EQ(line->directories, (std::vector<std::string>{"${media_dir}/recordings/${stream}",
                                                         "${media_dir}/${app}/${stream}",
                                                         "${media_dir}/${app}/${stream}/pic"}));
  vars["pic"] = "false";
  line = live_layout_line(record_only, lookup, r.outputs);
  EXPECT_EQ(line->directories, (std::vector<std::string>{"${media_dir}/recordings/${stream}"}));
  ASSERT_EQ(line->outputs.size(), 1u);
  EXPECT_EQ(line->outputs[0]->name, "record");
}

TEST(Templates, ALadderFromTheVariablesTakesEncodedRungsFromTheSourcesPads) {
  // A film's renditions played live (the schedule plugin's premieres): the rungs come encoded
  // from pads of the source, as many as the variables say; nothing is decoded or encoded.
  kek::LiveLayout film;
  film.source = "kekpremieresrc renditions=${renditions} name=demux";
  film.outputs = {"hls"};
  film.ladder_for = [](const kek::VarLookup& lookup) -> kek::Result<std::vector<kek::LadderRung>> {
    if (lookup("renditions").empty()) return kek::Error{"no renditions", 400};
    std::vector<kek::LadderRung> out;
    int i = 0;
    for (const char* name : {"720p", "180p"}) {
      kek::LadderRung r{name, false, 0, i == 0 ? 3000 : 300, {}};
      r.pad = "video_" + std::to_string(i++);
      out.push_back(r);
    }
    return out;
  };
  kek::Vars vars = {{"renditions", "720p,180p"}, {"source_height", "180"}};
  auto lookup = [&](const std::string& name) {
    auto it = vars.find(name);
    return it == vars.end() ? std::string() : it->second;
  };
  Registry r;
  auto line = live_layout_line(film, lookup, r.outputs);
  ASSERT_TRUE(line.ok()) << line.error().message;
  const std::string& l = line->launch;
  EXPECT_NE(l.find("demux.video_0 ! " + std::string(kQueue) + " ! h264parse config-interval=-1 ! tee name=rung0"),
            std::string::npos) << l;
  EXPECT_NE(l.find("demux.video_1 ! " + std::string(kQueue) + " ! h264parse config-interval=-1 ! tee name=rung1"),
            std::string::npos) << "kept although taller than source_height: it is not an encode: " << l;
  EXPECT_EQ(l.find("avdec_h264"), std::string::npos) << l;
  EXPECT_EQ(l.find("x264enc"), std::string::npos) << l;
  EXPECT_EQ(l.find("demux.video "), std::string::npos) << l;
  ASSERT_EQ(r.hls->seen.size(), 1u);
  const kek::LiveLayoutContext& c = r.hls->seen[0];
  ASSERT_EQ(c.rungs.size(), 2u);
  EXPECT_EQ(c.rungs[0].name, "720p");
  EXPECT_EQ(c.rungs[0].declared_bps, 3000000u);
  EXPECT_TRUE(c.rungs[1].passthrough);
  EXPECT_EQ(c.video_tee, "rung0") << "the top rendition stands for the picture";
  EXPECT_NE(l.find("fakesink name=pic"), std::string::npos) << l;
  // The ladder's error refuses the start with its message.
  vars.erase("renditions");
  auto refused = live_layout_line(film, lookup, r.outputs);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "no renditions");
}

TEST(Templates, ALayoutListingAnUnregisteredOutputIsAClearError) {
  kek::LiveLayout layout;
  layout.source = "a ! flvdemux name=demux";
  layout.outputs = {"hls", "llhls"};
  Registry r;
  auto line = live_layout_line(layout, [](const std::string&) { return std::string(); }, r.outputs);
  ASSERT_FALSE(line.ok());
  EXPECT_NE(line.error().message.find("unknown output 'llhls' (registered: record, hls, dash, pic"), std::string::npos)
      << line.error().message;
  // Registering it is all it takes.
  auto ll = std::make_shared<FakeOutput>(FakeOutput{"llhls", {}});
  ASSERT_TRUE(r.outputs.add(fake_output(ll), "plugin:lowlatency").ok());
  EXPECT_TRUE(live_layout_line(layout, [](const std::string&) { return std::string(); }, r.outputs).ok());
  EXPECT_EQ(ll->seen.size(), 1u);
  // Names are unique, and a plugin's outputs go with it.
  EXPECT_EQ(r.outputs.add(fake_output(ll), "plugin:other").error().code, 409);
  r.outputs.remove_origin("plugin:lowlatency");
  EXPECT_EQ(r.outputs.find("llhls"), nullptr);
  // Without the outputs a layout cannot be expanded at all.
  PipelineTemplate t;
  t.name = "x";
  t.layout = layout;
  EXPECT_FALSE(expand_template(t, {}).ok());
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
  auto bad_output = parse_template("name: x\nsource: a\noutputs: [hls, \"rtsp!\"]\n", "x.yaml");
  ASSERT_FALSE(bad_output.ok());
  EXPECT_NE(bad_output.error().message.find("outputs[1]: an output name"), std::string::npos) << bad_output.error().message;
  // Any well-formed name parses: whether a plugin registered it is known at expansion.
  EXPECT_TRUE(parse_template("name: x\nsource: a\noutputs: [hls, llhls]\n", "x.yaml").ok());
}
