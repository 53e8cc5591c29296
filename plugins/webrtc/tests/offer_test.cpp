// The SDP offer reader and the answer's candidates, without webrtcbin.
#include "offer.h"
#include "offer_sdp.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

using kek::webrtc::read_offer;
using kek::webrtc::with_candidates;

TEST(Offer, PicksPacketizationMode1H264AndOpus) {
  auto codecs = read_offer(kWhepOffer);
  ASSERT_TRUE(codecs) << codecs.error().message;
  EXPECT_EQ(codecs->h264_pt, 102);  // not VP8's 96, not mode 0's 127
  EXPECT_EQ(codecs->video_mline, 0);
  EXPECT_EQ(codecs->opus_pt, 111);
  EXPECT_EQ(codecs->audio_mline, 1);
}

TEST(Offer, PrefersConstrainedBaselineAmongSeveralH264) {
  const std::string offer =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 109\r\na=rtpmap:109 opus/48000/2\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 100 106\r\n"
      "a=rtpmap:100 H264/90000\r\na=fmtp:100 packetization-mode=1;profile-level-id=640032\r\n"
      "a=rtpmap:106 H264/90000\r\na=fmtp:106 packetization-mode=1;profile-level-id=42e01f\r\n";
  auto codecs = read_offer(offer);
  ASSERT_TRUE(codecs) << codecs.error().message;
  EXPECT_EQ(codecs->h264_pt, 106);
  EXPECT_EQ(codecs->video_mline, 1);
  EXPECT_EQ(codecs->opus_pt, 109);
  EXPECT_EQ(codecs->audio_mline, 0);
}

TEST(Offer, RefusesWhatIsNotAnOfferOrHasNoCodecOfOurs) {
  EXPECT_EQ(read_offer("").error().code, 400);
  EXPECT_EQ(read_offer("hello").error().code, 400);
  auto vp8 = read_offer("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n");
  ASSERT_FALSE(vp8);
  EXPECT_EQ(vp8.error().code, 400);
  EXPECT_NE(vp8.error().message.find("H.264"), std::string::npos);
}

TEST(Offer, CandidatesGoIntoEveryMediaSectionOnce) {
  const std::string answer = "v=0\r\ns=-\r\nm=video 9 X 96\r\na=mid:0\r\nm=audio 9 X 111\na=mid:1\na=candidate:9 1 UDP 1 10.0.0.1 5 typ host\n";
  const std::string out = with_candidates(answer, {"candidate:1 1 UDP 2015363327 127.0.0.1 40361 typ host"});
  EXPECT_EQ(out,
            "v=0\r\ns=-\r\nm=video 9 X 96\r\na=mid:0\r\n"
            "a=candidate:1 1 UDP 2015363327 127.0.0.1 40361 typ host\r\na=end-of-candidates\r\n"
            "m=audio 9 X 111\r\na=mid:1\r\na=candidate:9 1 UDP 1 10.0.0.1 5 typ host\r\na=end-of-candidates\r\n");
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
