#include "deleted_accounts.h"

#include <kek/services/identity.h>

#include <glib.h>

#include <set>
#include <string>
#include <vector>

namespace kek::library {

void forget_account(Catalogue& catalogue, Uploads& uploads, int64_t user_id) {
  auto items = catalogue.host().db().query("SELECT id FROM library_items WHERE owner_id = ?", {user_id});
  if (!items) {
    g_warning("library: the items of deleted account %" G_GINT64_FORMAT ": %s", user_id, items.error().message.c_str());
    return;
  }
  for (const auto& row : *items) {
    const std::string id = row.text("id");
    // An imported file is not kept out of the scans: the file is the folder's, and the next
    // scan adds it again as the folder's (the config names its owner).
    catalogue.remove(
        id,
        [id, user_id](Status s) {
          if (!s) g_warning("library: item %s of deleted account %" G_GINT64_FORMAT ": %s", id.c_str(), user_id,
                            s.error().message.c_str());
        },
        /*keep_out_of_scans=*/false);
  }
  const size_t uploads_removed = uploads.remove_uploads_of(user_id);
  g_message("library: account %" G_GINT64_FORMAT " was deleted: %zu item(s) and %zu unfinished upload(s) removed",
            user_id, items->size(), uploads_removed);
}

void forget_accounts_when_deleted(Catalogue& catalogue, std::shared_ptr<Uploads> uploads,
                                  std::function<bool()> serving) {
  catalogue.host().events().subscribe(kEventUserDeleted, [&catalogue, uploads, serving](const Event& e) {
    const int64_t id = g_ascii_strtoll(e.get("id").c_str(), nullptr, 10);
    if (id > 0 && serving()) forget_account(catalogue, *uploads, id);
  });
}

void forget_deleted_accounts(Catalogue& catalogue, Uploads& uploads) {
  Identity* identity = catalogue.identity();
  if (!identity) return;  // no accounts at all: nothing to judge by
  auto owners = catalogue.host().db().query(
      "SELECT owner_id AS id FROM library_items UNION SELECT user_id AS id FROM library_uploads", {});
  if (!owners) {
    g_warning("library: listing whose films are kept: %s", owners.error().message.c_str());
    return;
  }
  for (const auto& row : *owners) {
    const int64_t id = row.integer("id");
    if (id <= 0) continue;
    auto user = identity->user_by_id(id);
    if (!user || *user) continue;  // an error is no proof the account is gone
    forget_account(catalogue, uploads, id);
  }
}

}  // namespace kek::library
