// What becomes of a deleted account's films: they go with it. On `user.deleted` (and, at start,
// for accounts deleted while kek was not serving) every item the account owned is deleted like
// DELETE /api/library/items/{id} does (its folder, rows and pictures; the original of an upload
// or a copy; an in-place import's file and a live recording stay where they are), and its
// unfinished uploads are removed with their partial files.
#pragma once

#include "catalogue.h"
#include "uploads.h"

#include <functional>
#include <memory>

namespace kek::library {

// Subscribes to user.deleted; acts only while `serving` says so (`kek users delete` runs offline,
// where files removed on a worker might outlive the command: the next start does it then).
void forget_accounts_when_deleted(Catalogue& catalogue, std::shared_ptr<Uploads> uploads,
                                  std::function<bool()> serving);
// Owners of items or uploads that Identity no longer knows: their data goes now.
void forget_deleted_accounts(Catalogue& catalogue, Uploads& uploads);
// One account's items and uploads.
void forget_account(Catalogue& catalogue, Uploads& uploads, int64_t user_id);

}  // namespace kek::library
