// The period logic of kekdashsink: when the Representations move into a new Period and when a
// Period may be listed. A seam (a reconnected publisher) or a video format change opens a Period
// on one track; the others join it at their own seam event, or by time when one never comes.
// Pure logic over the presentation's state, unit-tested on its own.
#pragma once

#include "presentation.h"

#include <cstdint>
#include <span>
#include <vector>

namespace kek::dash {

// The running time from which a track may join `next` (opened by another track): at once for a
// format change; two target durations late for a seam, since each track should see its own.
int64_t join_time(const PeriodState& next, uint64_t target_ns);

// Whether a track moving at `dts` (a keyframe if `sync`, for video) joins `next` now.
bool joins_now(const PeriodState& next, uint64_t target_ns, int64_t dts, bool video, bool sync);

// A Period is listed once every track has decided about it: written a segment in it, moved past
// it, or ended before it. Listing it earlier would let players start a Period whose other half
// does not exist yet. A track that never sent anything is not waited for.
bool period_settled(std::span<const RepresentationState* const> reps, unsigned period);

// Moves `rep` into the next Period: the one another track already opened, or a new one (then
// opened at running time `at`, by a seam or not). Returns true if it opened a new one.
bool enter_next_period(std::vector<PeriodState>& periods, RepresentationState& rep, int64_t at, bool by_seam);

}  // namespace kek::dash
