// The catalogue API under /api/library/ (README.md "API").
#pragma once

#include "catalogue.h"

#include <memory>

namespace kek::library {

struct RouteDeps {
  Catalogue& catalogue;
  std::function<void(const std::string& item_id)> reprobe;  // after a subtitle upload, ...
  std::function<Status(const std::string& item_id)> retry;   // the job queue's controls
  std::function<Status(const std::string& item_id)> cancel;
};

void add_catalogue_routes(std::shared_ptr<RouteDeps> deps);

// The request's viewer (nullopt: anonymous or no auth plugin), or the error answer.
std::variant<Viewer, HttpResponse> viewer_of(Catalogue& catalogue, const HttpRequest& request);

}  // namespace kek::library
