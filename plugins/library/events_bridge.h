// The library's bus events (library.progress / ready / failed / deleted, from the job runner
// and the catalogue) forwarded to browsers through kek::BrowserEvents, each to its audience:
// the owner always; whoever may see the film once it plays (never before, so a private or
// unfinished film's progress reaches nobody else).
#pragma once

#include "catalogue.h"

namespace kek::library {

void forward_events_to_browsers(Catalogue& catalogue);

}  // namespace kek::library
