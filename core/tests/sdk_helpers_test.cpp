// Small header-only helpers of the plugin SDK (include/kek/).
#include <kek/address_key.h>
#include <kek/secret_equal.h>

#include <gtest/gtest.h>

#include <string>

TEST(SecretEqual, EqualOnlyWhenEveryByteAndTheLengthMatch) {
  EXPECT_TRUE(kek::secret_equal("", ""));
  EXPECT_TRUE(kek::secret_equal("k-0001-secret", "k-0001-secret"));
  EXPECT_FALSE(kek::secret_equal("k-0001-secret", "k-0001-secreT"));
  EXPECT_FALSE(kek::secret_equal("k-0001-secret", "x-0001-secret"));
  EXPECT_FALSE(kek::secret_equal("k-0001", "k-0001-secret")) << "a prefix is not the key";
  EXPECT_FALSE(kek::secret_equal("k-0001-secret", "k-0001"));
  EXPECT_FALSE(kek::secret_equal("", "a"));
  const std::string with_nul("ab\0cd", 5);
  EXPECT_FALSE(kek::secret_equal(with_nul, std::string("ab\0ce", 5)));
  EXPECT_TRUE(kek::secret_equal(with_nul, std::string("ab\0cd", 5)));
  EXPECT_FALSE(kek::secret_equal(std::string("ab"), std::string("ab\0", 3))) << "trailing NUL counts";
}

TEST(AddressKey, Ipv4AsItIsIpv6ByItsSlash64) {
  EXPECT_EQ(kek::address_key(std::string("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(kek::address_key(std::string("127.0.0.1")), "127.0.0.1");
  EXPECT_EQ(kek::address_key(std::string("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), "2001:db8:1:2::/64");
  EXPECT_EQ(kek::address_key(std::string("2001:db8:1:2::1")), kek::address_key(std::string("2001:db8:1:2:ffff::9")))
      << "one /64, one key";
  EXPECT_NE(kek::address_key(std::string("2001:db8:1:2::1")), kek::address_key(std::string("2001:db8:1:3::1")));
  EXPECT_EQ(kek::address_key(std::string("::ffff:192.0.2.7")), "192.0.2.7") << "an IPv4-mapped address is that host";
  EXPECT_EQ(kek::address_key(std::string("::1")), "::1");
}
