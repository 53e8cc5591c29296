// Whoever publishes one stream to the server: an RTMP connection, or a publish that came through
// kek::LiveIngest (SRT, WHIP). The server keeps its state per publisher by id and asks it to
// end when another publisher takes the stream over or the server stops.
#pragma once

#include <cstdint>
#include <string>

namespace kek::rtmp {

class Publisher {
 public:
  virtual ~Publisher() = default;
  virtual uint64_t id() const = 0;
  virtual const std::string& remote() const = 0;
  virtual const std::string& stream() const = 0;  // public name while publishing
  virtual const std::string& app() const = 0;
  virtual void set_publishing(std::string app, std::string stream) = 0;
  // The server ends it (take-over, shutdown, no pipeline): the publisher is told why.
  virtual void terminate(const std::string& reason) = 0;
};

}  // namespace kek::rtmp
