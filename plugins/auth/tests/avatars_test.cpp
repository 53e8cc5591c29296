// Avatar uploads against a real `kek serve`: real PNG and JPEG files made with gst-launch-1.0
// are decoded, cropped and re-encoded at 256 and 64 px, served from /media/avatars/; anything
// that does not decode is refused, and so is an upload over the size limit.
#include "support/browser.h"
#include "support/pictures.h"

#include <gtest/gtest.h>

using namespace kek::auth::test;
using kek::test::KekProcess;
using kek::test::make_image;
using kek::test::probe_image;

TEST(AuthAvatars, PngAndJpegAreCroppedScaledAndServed) {
  KekProcess kek(auth_options());
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser b(kek.http_url());
  ASSERT_EQ(b.register_user("olivia", "a-long-enough-secret").status, 201);
  const std::string png = make_image(kek.data_dir(), "pngenc", 320, 200);
  const std::string jpeg = make_image(kek.data_dir(), "jpegenc", 200, 300);
  ASSERT_EQ(png.substr(1, 3), "PNG");
  ASSERT_EQ(static_cast<unsigned char>(jpeg[0]), 0xffu);

  auto up = b.request("POST", "/api/me/avatar", png, {}, "image/png");
  ASSERT_EQ(up.status, 200) << up.body << kek.output();
  const std::string first_url = json_field(up.body, "avatar_url").value_or("");
  EXPECT_EQ(first_url, "/media/avatars/" + *json_field(b.get("/api/me").body, "id") + "/1-256.jpg");
  EXPECT_EQ(json_field(b.get("/api/me").body, "avatar_url"), first_url);
  auto served = b.get(first_url);
  EXPECT_EQ(served.status, 200);
  EXPECT_EQ(served.header("content-type").substr(0, 10), "image/jpeg");
  EXPECT_EQ(probe_image(kek.http_url() + first_url.substr(1)), "codec_name=mjpeg|width=256|height=256\n");
  const std::string small_url = json_field(up.body, "avatar_url_small").value_or("");
  EXPECT_EQ(probe_image(kek.http_url() + small_url.substr(1)), "codec_name=mjpeg|width=64|height=64\n");

  // The public avatar route follows the upload; a new upload gets a new URL (cache busting).
  auto redirect = Browser(kek.http_url()).get("/api/users/olivia/avatar");
  EXPECT_EQ(redirect.status, 302);
  EXPECT_EQ(redirect.header("location"), first_url);
  auto second = b.request("POST", "/api/me/avatar", jpeg, {}, "image/jpeg");
  ASSERT_EQ(second.status, 200) << second.body;
  const std::string second_url = *json_field(second.body, "avatar_url");
  EXPECT_NE(second_url, first_url);
  EXPECT_NE(second_url.find("/2-256.jpg"), std::string::npos) << second_url;
  EXPECT_EQ(probe_image(kek.http_url() + second_url.substr(1)), "codec_name=mjpeg|width=256|height=256\n");
  EXPECT_EQ(b.get(first_url).status, 404) << "the old version is removed";
  EXPECT_EQ(json_field(Browser(kek.http_url()).get("/api/users/olivia").body, "avatar_url"), second_url);

  const std::string webp = make_image(kek.data_dir(), "webpenc", 100, 100);
  ASSERT_EQ(webp.substr(8, 4), "WEBP");
  auto third = b.request("POST", "/api/me/avatar", webp, {}, "image/webp");
  ASSERT_EQ(third.status, 200) << third.body;
  EXPECT_EQ(probe_image(kek.http_url() + json_field(third.body, "avatar_url")->substr(1)),
            "codec_name=mjpeg|width=256|height=256\n");
}

TEST(AuthAvatars, NonImagesAndOversizedUploadsAreRefused) {
  KekProcess kek(auth_options("avatar_max_bytes: 100000"));
  ASSERT_TRUE(kek.ready()) << kek.output();
  Browser b(kek.http_url());
  ASSERT_EQ(b.register_user("peggy", "a-long-enough-secret").status, 201);

  auto text = b.request("POST", "/api/me/avatar", "this is not a picture at all", {}, "image/png");
  EXPECT_EQ(text.status, 400) << text.body;
  // PNG magic followed by garbage: it looks like a PNG but does not decode.
  std::string fake_png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(5000, 'x');
  auto fake = b.request("POST", "/api/me/avatar", fake_png, {}, "image/png");
  EXPECT_EQ(fake.status, 400) << fake.body;
  const std::string png = make_image(kek.data_dir(), "pngenc", 64, 64);
  EXPECT_EQ(b.request("POST", "/api/me/avatar", png, {}, "text/plain").status, 415) << "a form type is refused at the door";
  EXPECT_EQ(b.request("POST", "/api/me/avatar", png, {}, "application/octet-stream").status, 400);
  // A truncated PNG does not decode either.
  EXPECT_EQ(b.request("POST", "/api/me/avatar", png.substr(0, png.size() / 2), {}, "image/png").status, 400);

  auto big = b.request("POST", "/api/me/avatar", std::string(150000, 'x'), {}, "image/png");
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_NE(big.body.find("\"error\""), std::string::npos);

  EXPECT_EQ(json_field(b.get("/api/me").body, "avatar_url"), "/api/users/peggy/avatar") << "nothing was stored";
  EXPECT_EQ(Browser(kek.http_url()).request("POST", "/api/me/avatar", png, {}, "image/png").status, 401);
  EXPECT_EQ(b.request("POST", "/api/me/avatar", png, {}, "image/png").status, 200) << "a real one still works";
}
