// Codec names people know, from hand-made sequence headers.
#include "media_codec.h"

#include <gtest/gtest.h>

#include <vector>

namespace kek::rtmp {
namespace {

TEST(FriendlyFormat, NamesTheH264ProfileAndLevel) {
  // keyframe+AVC, sequence header, cts 0, avcC: version 1, profile 100 (High), compat 0, level 41
  std::vector<std::uint8_t> high{0x17, 0x00, 0, 0, 0, 0x01, 100, 0x00, 41, 0xff};
  EXPECT_EQ(friendly_video_format(high), "H.264 High 4.1");
  std::vector<std::uint8_t> baseline{0x17, 0x00, 0, 0, 0, 0x01, 66, 0x40, 30, 0xff};
  EXPECT_EQ(friendly_video_format(baseline), "H.264 Constrained Baseline 3");
  std::vector<std::uint8_t> nalu{0x17, 0x01, 0, 0, 0, 0x01, 100, 0x00, 41};
  EXPECT_EQ(friendly_video_format(nalu), "") << "not a sequence header";
  EXPECT_EQ(friendly_video_format(std::vector<std::uint8_t>{0x17, 0x00}), "");
}

TEST(FriendlyFormat, NamesTheAacObjectRateAndChannels) {
  // AAC, sequence header, AudioSpecificConfig 0x11 0x90: object 2 (LC), 48 kHz (index 3), 2 channels
  std::vector<std::uint8_t> lc{0xaf, 0x00, 0x11, 0x90};
  EXPECT_EQ(friendly_audio_format(lc), "AAC-LC 48 kHz stereo");
  // 0x12 0x08: LC, 44.1 kHz (index 4), mono
  std::vector<std::uint8_t> mono{0xaf, 0x00, 0x12, 0x08};
  EXPECT_EQ(friendly_audio_format(mono), "AAC-LC 44.1 kHz mono");
  EXPECT_EQ(friendly_audio_format(std::vector<std::uint8_t>{0xaf, 0x01, 0x11, 0x90}), "") << "a raw frame";
  EXPECT_EQ(friendly_audio_format(std::vector<std::uint8_t>{0x2f, 0x00, 0x11, 0x90}), "") << "MP3";
}

}  // namespace
}  // namespace kek::rtmp
