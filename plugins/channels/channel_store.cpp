#include "channel_store.h"

#include <kek/text.h>

#include <glib.h>

namespace kek::channels {
namespace {

std::string trimmed(const std::string& text) {
  g_autofree char* copy = g_strdup(text.c_str());
  return g_strstrip(copy);
}

}  // namespace

Status check_change(const ChannelChange& change) {
  if (change.title)
    if (auto s = check_text(*change.title, "the title", kMaxTitleChars); !s) {
      Error e = s.error();
      if (e.reason == "text_too_long") e.reason = "title_too_long";
      return e;
    }
  if (change.category)
    if (auto s = check_text(*change.category, "the category", kMaxCategoryChars); !s) {
      Error e = s.error();
      if (e.reason == "text_too_long") e.reason = "category_too_long";
      return e;
    }
  return {};
}

Status ChannelStore::load() {
  auto rows = db().query("SELECT user_id, title, category, banner_version FROM channels_profiles");
  if (!rows) return wrap(rows.error(), "channels: load");
  channels_.clear();
  banners_.clear();
  for (const auto& row : *rows) {
    channels_[row.integer("user_id")] = ChannelInfo{row.text("title"), row.text("category")};
    if (const int64_t v = row.integer("banner_version"); v > 0) banners_[row.integer("user_id")] = v;
  }
  return {};
}

ChannelInfo ChannelStore::channel_of(int64_t user_id) const {
  auto it = channels_.find(user_id);
  return it == channels_.end() ? ChannelInfo{} : it->second;
}

Result<ChannelInfo> ChannelStore::update(int64_t user_id, const ChannelChange& change) {
  if (auto s = check_change(change); !s) return s.error();
  ChannelInfo next = channel_of(user_id);
  if (change.title) next.title = trimmed(*change.title);
  if (change.category) next.category = trimmed(*change.category);
  const int64_t now = g_get_real_time() / G_USEC_PER_SEC;
  // Portable upsert: update, and insert when there was nothing to update.
  auto updated = db().exec("UPDATE channels_profiles SET title = ?, category = ?, updated_at = ? WHERE user_id = ?",
                          {next.title, next.category, now, user_id});
  if (!updated) return wrap(updated.error(), "channels: update");
  if (updated->changes == 0) {
    auto inserted = db().exec("INSERT INTO channels_profiles (user_id, title, category, updated_at) VALUES (?, ?, ?, ?)",
                             {user_id, next.title, next.category, now});
    if (!inserted) return wrap(inserted.error(), "channels: insert");
  }
  channels_[user_id] = next;
  return next;
}

int64_t ChannelStore::banner_version(int64_t user_id) const {
  auto it = banners_.find(user_id);
  return it == banners_.end() ? 0 : it->second;
}

Status ChannelStore::set_banner_version(int64_t user_id, int64_t version) {
  const int64_t now = g_get_real_time() / G_USEC_PER_SEC;
  auto updated = db().exec("UPDATE channels_profiles SET banner_version = ?, updated_at = ? WHERE user_id = ?",
                          {version, now, user_id});
  if (!updated) return wrap(updated.error(), "channels: set banner");
  if (updated->changes == 0) {
    auto inserted = db().exec(
        "INSERT INTO channels_profiles (user_id, title, category, banner_version, updated_at) VALUES (?, '', '', ?, ?)",
        {user_id, version, now});
    if (!inserted) return wrap(inserted.error(), "channels: insert banner");
  }
  if (version > 0) banners_[user_id] = version;
  else banners_.erase(user_id);
  return {};
}

}  // namespace kek::channels
