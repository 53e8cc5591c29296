#include "ts_cutter.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace kek::hls {

void TsCutter::start(std::string prefix, bool audio_only) {
  sink_.discard();
  prefix_ = std::move(prefix);
  path_.clear();
  audio_only_ = audio_only;
  next_index_ = 0;
  announced_ = failed_ = false;
  last_ts_ = last_unit_ts_ = kNoTime;
  have_pat_ = have_pmt_ = false;
  pmt_pid_ = -1;
}

void TsCutter::fail(const char* action) {
  failed_ = true;
  listener_.segment_failed(action, path_, sink_.error());
}

void TsCutter::announce(uint64_t at) {
  if (announced_ || !sink_.is_open() || at == kNoTime) return;
  announced_ = true;
  listener_.segment_opened(path_, at);
}

bool TsCutter::open(uint64_t at) {
  char index[16];
  std::snprintf(index, sizeof index, "%05u.ts", next_index_++);
  path_ = prefix_ + index;
  if (!sink_.open(path_)) {
    fail("open");
    return false;
  }
  announce(at);
  return true;
}

bool TsCutter::close(uint64_t at) {
  if (!sink_.is_open()) return true;
  bool announced = std::exchange(announced_, false);
  if (!sink_.close()) {
    fail("write");
    return false;
  }
  // No timestamp ever came: nothing a playlist could say about it.
  if (announced) listener_.segment_closed(path_, at);
  return true;
}

void TsCutter::keyframe_ahead(uint64_t at) {
  if (failed_) return;
  if (!sink_.is_open()) {
    open(at);
    return;
  }
  if (!announced_) {
    announce(at);
    return;
  }
  if (at != kNoTime && listener_.should_cut(at, 0)) cut(at);
}

// Audio only: cuts before `packet` if it starts an audio PES packet late enough; remembers PAT
// and PMT. False on a write error.
bool TsCutter::audio_packet(const uint8_t* packet, uint64_t ts) {
  if (packet[0] != 0x47) return true;
  int pid = ((packet[1] & 0x1f) << 8) | packet[2];
  bool unit_start = packet[1] & 0x40;
  if (pid == 0) {
    std::copy_n(packet, kTsPacket, pat_.begin());
    have_pat_ = true;
    // The first program's PMT PID: pointer field, then 8 bytes of section header, then
    // (program number, PID) pairs; program 0 is the network PID.
    size_t at = 4;
    if (packet[3] & 0x20) at += 1 + packet[4];  // adaptation field
    if (unit_start && at < kTsPacket) at += 1 + packet[at];
    for (size_t e = at + 8; e + 4 <= kTsPacket; e += 4) {
      int program = (packet[e] << 8) | packet[e + 1];
      if (program == 0xffff) break;  // stuffing
      if (program != 0) {
        pmt_pid_ = ((packet[e + 2] & 0x1f) << 8) | packet[e + 3];
        break;
      }
    }
    return true;
  }
  if (pid == pmt_pid_) {
    std::copy_n(packet, kTsPacket, pmt_.begin());
    have_pmt_ = true;
    return true;
  }
  // Elementary streams have PIDs from 0x40 on (ours: 0x100, 0x101); a PES packet starts an audio frame.
  if (pid < 0x40 || !unit_start || !announced_) return true;
  // Audio frames are all alike: the last gap is this frame's length. A segment ends before the
  // frame that would take it past target-duration (as splitmuxsink cuts audio), so segments stay
  // within EXT-X-TARGETDURATION.
  uint64_t length = 0;
  if (ts != kNoTime && last_unit_ts_ != kNoTime && ts > last_unit_ts_) length = ts - last_unit_ts_;
  last_unit_ts_ = ts;
  if (ts == kNoTime || !listener_.should_cut(ts, length)) return true;
  if (!cut(ts)) return false;
  if (have_pat_ && !sink_.write(pat_)) return false;
  if (have_pmt_ && !sink_.write(pmt_)) return false;
  return true;
}

bool TsCutter::push(std::span<const uint8_t> bytes, uint64_t ts, bool timeline) {
  if (failed_) return false;
  if (ts != kNoTime && (last_ts_ == kNoTime || ts > last_ts_)) last_ts_ = ts;
  const uint64_t start = timeline ? ts : kNoTime;
  if (!sink_.is_open() && !open(start)) return false;
  announce(start);
  bool ok = true;
  if (audio_only_ && bytes.size() % kTsPacket == 0) {
    for (size_t at = 0; ok && at < bytes.size(); at += kTsPacket) {
      ok = audio_packet(bytes.data() + at, ts);
      if (ok) ok = sink_.write(bytes.subspan(at, kTsPacket));
    }
  } else {
    ok = sink_.write(bytes);
  }
  if (!ok && !failed_) fail("write");
  return ok;
}

void TsCutter::finish(uint64_t end) {
  if (failed_) return;
  close(end != kNoTime ? end : last_ts_);
}

}  // namespace kek::hls
