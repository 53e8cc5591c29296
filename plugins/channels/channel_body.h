// PATCH /api/me/channel: the body parsed by a pure function (no store, no I/O), which the route
// calls and fuzz/fuzz_channel_body.cpp drives with arbitrary bytes.
#pragma once

#include "channel_store.h"

#include <kek/error.h>

#include <string_view>

namespace kek::channels {

// {title?, category?}: null clears a field like "" does; a missing member leaves it as it is.
// What the values may be is check_change()'s part.
Result<ChannelChange> parse_channel_change(std::string_view body);

}  // namespace kek::channels
