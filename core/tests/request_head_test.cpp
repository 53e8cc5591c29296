// The strict request head reader of the media fast path (core/http/request_head.h).
#include "http/request_head.h"

#include <gtest/gtest.h>

#include <string>

namespace kek::core::http {
namespace {

TEST(RequestHead, ReadsTheRequestLineAndHeaders) {
  const std::string bytes =
      "GET /media/live/demo/index.m3u8?token=a%20b HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
      "Range:bytes=0-99  \r\nX-Empty:\r\n\r\n";
  const ParsedHead parsed = parse_request_head(bytes);
  ASSERT_EQ(parsed.status, HeadStatus::complete);
  EXPECT_EQ(parsed.head.method, "GET");
  EXPECT_EQ(parsed.head.target, "/media/live/demo/index.m3u8?token=a%20b");
  EXPECT_EQ(parsed.head.minor_version, 1);
  EXPECT_EQ(parsed.head.length, bytes.size());
  ASSERT_EQ(parsed.head.headers.size(), 3u);
  EXPECT_EQ(parsed.head.header("host"), "127.0.0.1:8080");
  EXPECT_EQ(parsed.head.header("RANGE"), "bytes=0-99");
  bool present = false;
  EXPECT_EQ(parsed.head.header("x-empty", &present), "");
  EXPECT_TRUE(present);
  parsed.head.header("cookie", &present);
  EXPECT_FALSE(present);
}

TEST(RequestHead, StopsAtTheEndOfTheFirstOfPipelinedRequests) {
  const std::string first = "HEAD /media/a.ts HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n";
  const std::string bytes = first + "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n";
  const ParsedHead parsed = parse_request_head(bytes);
  ASSERT_EQ(parsed.status, HeadStatus::complete);
  EXPECT_EQ(parsed.head.length, first.size());
  bool repeated = false;
  EXPECT_EQ(parsed.head.header("host", nullptr, &repeated), "x");
  EXPECT_TRUE(repeated);
  const ParsedHead second = parse_request_head(std::string_view(bytes).substr(parsed.head.length));
  ASSERT_EQ(second.status, HeadStatus::complete);
  EXPECT_EQ(second.head.target, "/api/health");
}

TEST(RequestHead, APartialHeadNeedsMoreBytes) {
  const std::string whole = "GET /media/a.ts HTTP/1.1\r\nHost: x\r\n\r\n";
  for (size_t n = 0; n < whole.size(); ++n)
    EXPECT_EQ(parse_request_head(whole.substr(0, n)).status, HeadStatus::incomplete) << n;
  EXPECT_EQ(parse_request_head(whole).status, HeadStatus::complete);
}

TEST(RequestHead, RefusesWhatAStrictReaderDoesNotTake) {
  const char* refused[] = {
      "GET /media/a HTTP/1.1\nHost: x\n\n",                // bare LF
      "GET /media/a HTTP/1.1\r\nHost: x\n\r\n",            // bare LF in a field
      "GET /media/a HTTP/1.1\r\nHost: x\rY\r\n\r\n",       // bare CR
      "GET /media/a HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",  // obs-fold
      "GET /media/a HTTP/1.1\r\nHost : x\r\n\r\n",         // space before the colon
      "GET /media/a HTTP/1.1\r\n: x\r\n\r\n",              // no name
      "GET /media/a HTTP/1.1\r\nHost x\r\n\r\n",           // no colon
      "GET /media/a HTTP/1.1\r\nX: a\x01" "b\r\n\r\n",     // a control byte
      "GET /media/a HTTP/1.1\r\nX: a\x7f" "b\r\n\r\n",     // DEL
      "GET /media/a\x80 HTTP/1.1\r\n\r\n",                 // raw byte in the target
      "GET  /media/a HTTP/1.1\r\n\r\n",                    // two spaces
      "GET /media/a HTTP/2.0\r\n\r\n",                     // not HTTP/1.x
      "GET /media/a\r\n\r\n",                              // HTTP/0.9
      "GET /media/a HTTP/1.1 \r\n\r\n",                    // trailing space
      "G(T /media/a HTTP/1.1\r\n\r\n",                     // not a token
      "\r\nGET /media/a HTTP/1.1\r\n\r\n",                 // leading empty line
  };
  for (const char* head : refused) EXPECT_EQ(parse_request_head(head).status, HeadStatus::invalid) << head;
  // NUL anywhere, even before the head is complete.
  using namespace std::string_literals;
  EXPECT_EQ(parse_request_head("GET /media/a HTTP/1.1\r\nX: a\0b"s).status, HeadStatus::invalid);
  EXPECT_EQ(parse_request_head("GET /media/a HTTP/1.1\r\nX: a\0b\r\n\r\n"s).status, HeadStatus::invalid);
  EXPECT_EQ(parse_request_head("GET /media/\0"s).status, HeadStatus::invalid);
}

TEST(RequestHead, HeadsPastTheLimitsAreRefused) {
  std::string big = "GET /media/a HTTP/1.1\r\nX: " + std::string(200, 'a') + "\r\n\r\n";
  EXPECT_EQ(parse_request_head(big, 100).status, HeadStatus::invalid);
  EXPECT_EQ(parse_request_head(big.substr(0, 150), 100).status, HeadStatus::invalid);  // never to end in time
  EXPECT_EQ(parse_request_head(big.substr(0, 50), 100).status, HeadStatus::incomplete);
  EXPECT_EQ(parse_request_head(big, big.size()).status, HeadStatus::complete);
  std::string many = "GET /media/a HTTP/1.1\r\n";
  for (int i = 0; i < 5; ++i) many += "X" + std::to_string(i) + ": v\r\n";
  many += "\r\n";
  EXPECT_EQ(parse_request_head(many, 8192, 5).status, HeadStatus::complete);
  EXPECT_EQ(parse_request_head(many, 8192, 4).status, HeadStatus::invalid);
}

TEST(RequestHead, ConnectionTokens) {
  EXPECT_TRUE(header_has_token("close", "close"));
  EXPECT_TRUE(header_has_token("keep-alive, Close", "close"));
  EXPECT_FALSE(header_has_token("closed, keep-alive", "close"));
  EXPECT_FALSE(header_has_token("", "close"));
}

}  // namespace
}  // namespace kek::core::http
