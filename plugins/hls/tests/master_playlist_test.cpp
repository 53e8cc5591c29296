#include "master_playlist.h"

#include <gtest/gtest.h>

#include <vector>

using namespace kek::hls;

TEST(Avc1, FromSpsBytes) {
  const std::vector<uint8_t> sps = {0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9};
  EXPECT_EQ(avc1_from_sps(sps), "avc1.64001f");
  const std::vector<uint8_t> baseline = {0x67, 0x42, 0xc0, 0x0d};
  EXPECT_EQ(avc1_from_sps(baseline), "avc1.42c00d");
  const std::vector<uint8_t> not_sps = {0x68, 0x64, 0x00, 0x1f};
  EXPECT_FALSE(avc1_from_sps(not_sps));
  EXPECT_FALSE(avc1_from_sps(std::vector<uint8_t>{0x67, 0x64}));
}

TEST(Avc1, FromAvcc) {
  const std::vector<uint8_t> avcc = {0x01, 0x4d, 0x40, 0x28, 0xff, 0xe1};
  EXPECT_EQ(avc1_from_avcc(avcc), "avc1.4d4028");
  EXPECT_FALSE(avc1_from_avcc(std::vector<uint8_t>{0x00, 0x4d, 0x40, 0x28}));
}

TEST(Avc1, FromCapsStrings) {
  EXPECT_EQ(avc1_from_caps("high", "3.1"), "avc1.64001f");
  EXPECT_EQ(avc1_from_caps("main", "4"), "avc1.4d4028");
  EXPECT_EQ(avc1_from_caps("constrained-baseline", "3"), "avc1.42c01e");
  EXPECT_EQ(avc1_from_caps("baseline", "1b"), "avc1.42100b");
  EXPECT_EQ(avc1_from_caps("high", "1b"), "avc1.640009");
  EXPECT_EQ(avc1_from_caps("high", "5.2"), "avc1.640034");
  EXPECT_FALSE(avc1_from_caps("weird", "3"));
  EXPECT_FALSE(avc1_from_caps("high", ""));
  EXPECT_FALSE(avc1_from_caps("high", "3.x"));
}

TEST(Avc1, FindsSpsInAnnexB) {
  // AUD (4-byte start code), SPS (3-byte start code), PPS.
  const std::vector<uint8_t> au = {0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x67, 0x64, 0x00, 0x0c, 0xac,
                                   0, 0, 0, 1, 0x68, 0xeb, 0xe3};
  auto sps = find_sps_annexb(au);
  ASSERT_EQ(sps.size(), 5u);
  EXPECT_EQ(avc1_from_sps(sps), "avc1.64000c");
  EXPECT_TRUE(find_sps_annexb(std::vector<uint8_t>{0, 0, 1, 0x65, 0x88}).empty());
  EXPECT_TRUE(find_sps_annexb(std::vector<uint8_t>{}).empty());
}

TEST(Mp4a, ObjectTypeFromAudioSpecificConfig) {
  EXPECT_EQ(aac_object_type(std::vector<uint8_t>{0x12, 0x10}), 2);  // LC, 44.1 kHz stereo
  EXPECT_EQ(aac_object_type(std::vector<uint8_t>{0x11, 0x90}), 2);  // LC, 48 kHz stereo
  EXPECT_EQ(aac_object_type(std::vector<uint8_t>{0x2b, 0x92}), 5);  // HE-AAC (SBR)
  EXPECT_EQ(aac_object_type(std::vector<uint8_t>{0xf8, 0x20}), 33);  // escaped: 32 + 1
  EXPECT_FALSE(aac_object_type(std::vector<uint8_t>{}));
  EXPECT_EQ(aac_object_type_from_profile("lc"), 2);
  EXPECT_EQ(aac_object_type_from_profile("he-aac"), 5);
  EXPECT_FALSE(aac_object_type_from_profile("nope"));
  EXPECT_EQ(mp4a_codec(2), "mp4a.40.2");
}

TEST(Master, FrameRateHasThreeDecimals) {
  EXPECT_EQ(format_frame_rate(30, 1), "30.000");
  EXPECT_EQ(format_frame_rate(30000, 1001), "29.970");
  EXPECT_EQ(format_frame_rate(24000, 1001), "23.976");
  EXPECT_EQ(format_frame_rate(0, 1), "");
  EXPECT_EQ(format_frame_rate(25, 0), "");
}

TEST(Master, RendersVariantsInOrder) {
  std::vector<VariantEntry> variants(3);
  variants[0] = {"source/index.m3u8", 3200000, 2900000, 1920, 1080, 30, 1, {"avc1.640028", "mp4a.40.2"}};
  variants[1] = {"480p/index.m3u8", 1500000, 0, 854, 480, 30000, 1001, {"avc1.4d401e", "mp4a.40.2"}};
  variants[2] = {"audio/index.m3u8", 140000, 130000, 0, 0, 0, 1, {"mp4a.40.2"}};
  EXPECT_EQ(render_master(variants),
            "#EXTM3U\n"
            "#EXT-X-VERSION:3\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=3200000,AVERAGE-BANDWIDTH=2900000,RESOLUTION=1920x1080,"
            "CODECS=\"avc1.640028,mp4a.40.2\",FRAME-RATE=30.000\n"
            "source/index.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=1500000,RESOLUTION=854x480,CODECS=\"avc1.4d401e,mp4a.40.2\","
            "FRAME-RATE=29.970\n"
            "480p/index.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=140000,AVERAGE-BANDWIDTH=130000,CODECS=\"mp4a.40.2\"\n"
            "audio/index.m3u8\n");
}

TEST(Master, VariantNamesAreSafePathSegments) {
  EXPECT_TRUE(valid_variant_name("720p"));
  EXPECT_TRUE(valid_variant_name("source_hi-1.5"));
  EXPECT_FALSE(valid_variant_name(""));
  EXPECT_FALSE(valid_variant_name("."));
  EXPECT_FALSE(valid_variant_name(".."));
  EXPECT_FALSE(valid_variant_name("a/b"));
  EXPECT_FALSE(valid_variant_name("a b"));
  EXPECT_FALSE(valid_variant_name("x\"y"));
}

TEST(Master, SplitsLists) {
  EXPECT_EQ(split_list(""), std::vector<std::string>{});
  EXPECT_EQ(split_list("a"), std::vector<std::string>{"a"});
  EXPECT_EQ(split_list(" a, b ,,c "), (std::vector<std::string>{"a", "b", "", "c"}));
}

TEST(Master, ChangeThreshold) {
  EXPECT_FALSE(changed_by_more_than(1000, 1100, 0.10));
  EXPECT_TRUE(changed_by_more_than(1000, 1101, 0.10));
  EXPECT_TRUE(changed_by_more_than(1000, 899, 0.10));
  EXPECT_TRUE(changed_by_more_than(0, 1, 0.10));
  EXPECT_FALSE(changed_by_more_than(0, 0, 0.10));
}
