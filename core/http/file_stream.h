// A large file's answer sent a piece at a time: read with the page cache's help on the loop, or
// on a reader thread when that would wait for the disk, so a cold film or recording never holds
// the loop up; and never mapped, so a file cut short while it is sent ends the answer early
// instead of killing the process (SIGBUS).
#pragma once

#include "http/file_read.h"

#include <libsoup/soup.h>

#include <string_view>

namespace kek::core::http {

// Pieces read ahead of the socket: one being written, one ready.
inline constexpr size_t kStreamPieceBytes = 512 * 1024;

// Answers msg with the file (status, headers, byte range as respond_with_file does) and sends
// its body from `readers`, the answers of reader threads coming back on `context`.
void stream_file(SoupServerMessage* msg, OpenedFile file, std::string_view cache_control, FileReaders& readers,
                 GMainContext* context);

}  // namespace kek::core::http
