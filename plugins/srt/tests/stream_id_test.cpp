#include "stream_id.h"

#include <gtest/gtest.h>

using kek::srt::parse_stream_id;
using kek::srt::StreamIdError;
using kek::srt::StreamIdRequest;

namespace {
StreamIdRequest ok(std::string_view id) {
  auto r = parse_stream_id(id);
  EXPECT_TRUE(std::holds_alternative<StreamIdRequest>(r)) << id << ": " << std::get<StreamIdError>(r).message;
  return std::holds_alternative<StreamIdRequest>(r) ? std::get<StreamIdRequest>(r) : StreamIdRequest{};
}
bool refused(std::string_view id) { return std::holds_alternative<StreamIdError>(parse_stream_id(id)); }
}  // namespace

TEST(SrtStreamId, AccessControlForm) {
  auto r = ok("#!::r=live/abc123,m=publish");
  EXPECT_EQ(r.app, "live");
  EXPECT_EQ(r.key, "abc123");
  EXPECT_EQ(r.mode, "publish");
  auto swapped = ok("#!::m=publish,u=anna,r=studio/k-9");
  EXPECT_EQ(swapped.app, "studio");
  EXPECT_EQ(swapped.key, "k-9");
}

TEST(SrtStreamId, PlainKeyIsALivePublish) {
  auto r = ok("abc123");
  EXPECT_EQ(r.app, "live");
  EXPECT_EQ(r.key, "abc123");
  EXPECT_EQ(r.mode, "publish");
  EXPECT_EQ(ok("live/abc123").key, "abc123");
}

TEST(SrtStreamId, ModeRequestIsReadSoTheListenerCanRefuseIt) { EXPECT_EQ(ok("#!::r=live/k,m=request").mode, "request"); }

TEST(SrtStreamId, BadFormsAreRefused) {
  EXPECT_TRUE(refused(""));
  EXPECT_TRUE(refused("#!::m=publish"));            // no resource
  EXPECT_TRUE(refused("#!::r=live/"));              // empty key
  EXPECT_TRUE(refused("#!::r=/k"));                 // empty app
  EXPECT_TRUE(refused("#!::r=live/a/b"));           // key with a slash
  EXPECT_TRUE(refused("#!::r=live/k,m=sing"));      // unknown mode
  EXPECT_TRUE(refused("#!::r=live/k,r=live/j"));    // two resources
  EXPECT_TRUE(refused("#!::r"));                    // no '='
  EXPECT_TRUE(refused("key with spaces"));
  EXPECT_TRUE(refused(std::string(513, 'k')));
}
