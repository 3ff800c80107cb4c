#include "proto_handlers/common/sessions/ping_schedule.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace tg::sessions {

namespace {

std::uint64_t mix64(std::uint64_t z) {  // splitmix64 finalizer
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

Millis saturating_add(Millis a, Millis b) {  // b >= 0
    return a > kNever - b ? kNever : a + b;
}

constexpr double kGoldenFraction = 0.6180339887498949;

}  // namespace

PingSchedule::PingSchedule(PingPolicy policy) : policy_(policy), rng_(policy.seed) {
    if (policy_.interval <= 0) throw std::invalid_argument("ping interval must be positive");
    if (!(policy_.jitter >= 0.0 && policy_.jitter < 1.0))
        throw std::invalid_argument("ping jitter must be in [0, 1)");
    if (policy_.max_in_flight == 0) throw std::invalid_argument("max_in_flight must be positive");
    if (policy_.first_backoff <= 0) throw std::invalid_argument("first_backoff must be positive");
    if (policy_.max_age <= 0) throw std::invalid_argument("max_age must be positive");
    spread_phase_ = static_cast<double>(next_random() >> 11) * 0x1.0p-53;
}

std::uint64_t PingSchedule::next_random() {
    rng_ += 0x9e3779b97f4a7c15ULL;
    return mix64(rng_);
}

Millis PingSchedule::jittered_interval() {
    const double spread = static_cast<double>(policy_.interval) * policy_.jitter;
    if (spread < 1.0) return policy_.interval;
    const double unit = static_cast<double>(next_random() >> 11) * 0x1.0p-53;  // [0, 1)
    const auto offset = static_cast<Millis>((2.0 * unit - 1.0) * spread);    // |offset| <= spread
    return std::max<Millis>(1, policy_.interval + offset);
}

EndReason PingSchedule::end_reason(const Slot& s) const {
    return (s.flags & kEndsByMaxAge) != 0 ? EndReason::max_age : EndReason::expired;
}

void PingSchedule::count_end(EndReason reason) {
    switch (reason) {
        case EndReason::logout: ++stats_.ended_logout; break;
        case EndReason::gone: ++stats_.ended_gone; break;
        case EndReason::expired: ++stats_.ended_expired; break;
        case EndReason::max_age: ++stats_.ended_max_age; break;
    }
}

bool PingSchedule::add(SessionId id, Millis now, Lifetime life, Start start, Millis spread_within) {
    const Millis aged_out =
        policy_.max_age == kNever ? kNever : saturating_add(life.created_at, policy_.max_age);
    const bool by_max_age = aged_out < life.expires_at;
    const Millis ends_at = std::min(aged_out, life.expires_at);

    if (const auto b = find_bucket(id); b != buckets_.size()) {
        Slot& s = slots_[buckets_[b]];
        if ((s.flags & kDetached) == 0) return false;
        // remove()d while its ping was in flight, added again: that ping's complete() goes on.
        s.flags = by_max_age ? kEndsByMaxAge : 0;
        s.ends_at = ends_at;
        s.failures = 0;
        --detached_;
        return true;
    }

    if (slots_.size() >= kInFlight - 1) throw std::length_error("too many sessions");
    Millis due;
    if (start == Start::spread_over_interval) {
        spread_phase_ += kGoldenFraction;
        if (spread_phase_ >= 1.0) spread_phase_ -= 1.0;
        const auto window = spread_within > 0 ? std::min(spread_within, policy_.interval) : policy_.interval;
        const auto offset = static_cast<Millis>(spread_phase_ * static_cast<double>(window));
        due = now + std::clamp<Millis>(offset, 0, window - 1);
    } else {
        due = now + jittered_interval();
    }

    if ((slots_.size() + 1) * 2 > buckets_.size()) rehash(std::max<std::size_t>(16, buckets_.size() * 2));
    const auto slot = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(Slot{id, due, ends_at, kInFlight, 0, static_cast<std::uint8_t>(by_max_age ? kEndsByMaxAge : 0)});
    index_insert(id, slot);
    heap_push(slot, std::min(due, ends_at));
    return true;
}

bool PingSchedule::remove(SessionId id) {
    const auto b = find_bucket(id);
    if (b == buckets_.size()) return false;
    const std::uint32_t slot = buckets_[b];
    Slot& s = slots_[slot];
    if ((s.flags & kDetached) != 0) return false;
    count_end(EndReason::logout);
    if (s.heap_pos == kInFlight) {  // keep the in-flight slot taken until its complete()
        s.flags |= kDetached;
        ++detached_;
    } else {
        drop_slot(slot);
    }
    return true;
}

TakeResult PingSchedule::take_due(Millis now) {
    TakeResult out;
    while (!heap_.empty() && heap_.front().key <= now) {
        const HeapEntry top = heap_.front();
        const Slot& s = slots_[top.slot];
        if (s.ends_at <= now) {
            const EndedSession ended{s.id, end_reason(s)};
            count_end(ended.reason);
            out.ended.push_back(ended);
            drop_slot(top.slot);
            continue;
        }
        if (in_flight_ >= policy_.max_in_flight) break;
        heap_erase(0);
        ++in_flight_;
        out.pings.push_back(DuePing{s.id, now - top.key});
    }
    return out;
}

std::optional<EndReason> PingSchedule::complete(SessionId id, PingResult result, Millis now) {
    const auto b = find_bucket(id);
    if (b == buckets_.size() || slots_[buckets_[b]].heap_pos != kInFlight) {
        ++stats_.completions_ignored;
        return std::nullopt;
    }
    const std::uint32_t slot = buckets_[b];
    Slot& s = slots_[slot];
    --in_flight_;
    switch (result) {
        case PingResult::ok: ++stats_.pings_ok; break;
        case PingResult::transient_failure: ++stats_.pings_transient; break;
        case PingResult::session_gone: ++stats_.pings_gone; break;
    }

    if ((s.flags & kDetached) != 0) {  // logged out meanwhile: already reported
        --detached_;
        drop_slot(slot);
        return std::nullopt;
    }
    std::optional<EndReason> ended;
    if (result == PingResult::session_gone) ended = EndReason::gone;
    else if (s.ends_at <= now) ended = end_reason(s);
    if (ended) {
        count_end(*ended);
        drop_slot(slot);
        return ended;
    }

    Millis due;
    if (result == PingResult::ok) {
        s.failures = 0;
        due = now + jittered_interval();
        s.regular_due = due;
    } else {
        if (s.failures < 255) ++s.failures;
        const int shift = std::min(s.failures - 1, 40);
        const Millis backoff = policy_.first_backoff > (kNever >> shift) ? kNever : policy_.first_backoff << shift;
        const Millis next_regular = saturating_add(s.regular_due, policy_.interval);
        due = saturating_add(now, backoff);
        if (due >= next_regular) {  // the retry would be later than the next regular ping
            due = std::max(next_regular, now);
            s.regular_due = due;
        }
    }
    heap_push(slot, std::min(due, s.ends_at));
    return std::nullopt;
}

std::optional<Millis> PingSchedule::next_due() const {
    if (heap_.empty()) return std::nullopt;
    const HeapEntry& top = heap_.front();
    const bool ends = slots_[top.slot].ends_at <= top.key;  // reaped without a slot
    if (!ends && in_flight_ >= policy_.max_in_flight) return std::nullopt;
    return top.key;
}

std::size_t PingSchedule::queue_depth(Millis now) const {
    std::size_t depth = 0;
    if (heap_.empty()) return 0;
    std::vector<std::uint32_t> stack{0};  // only subtrees whose root is due
    while (!stack.empty()) {
        const std::uint32_t pos = stack.back();
        stack.pop_back();
        const HeapEntry& e = heap_[pos];
        if (e.key > now) continue;
        if (slots_[e.slot].ends_at > now) ++depth;
        for (std::size_t child = 2 * std::size_t{pos} + 1; child <= 2 * std::size_t{pos} + 2; ++child)
            if (child < heap_.size()) stack.push_back(static_cast<std::uint32_t>(child));
    }
    return depth;
}

bool PingSchedule::contains(SessionId id) const {
    const auto b = find_bucket(id);
    return b != buckets_.size() && (slots_[buckets_[b]].flags & kDetached) == 0;
}

bool PingSchedule::is_in_flight(SessionId id) const {
    const auto b = find_bucket(id);
    return b != buckets_.size() && slots_[buckets_[b]].heap_pos == kInFlight;
}

std::optional<Millis> PingSchedule::due_of(SessionId id) const {
    const auto b = find_bucket(id);
    if (b == buckets_.size()) return std::nullopt;
    const Slot& s = slots_[buckets_[b]];
    if (s.heap_pos == kInFlight) return std::nullopt;
    return heap_[s.heap_pos].key;
}

void PingSchedule::reserve(std::size_t sessions) {
    slots_.reserve(sessions);
    heap_.reserve(sessions);
    if (sessions * 2 > buckets_.size()) rehash(std::bit_ceil(std::max<std::size_t>(16, sessions * 2)));
}

std::size_t PingSchedule::memory_bytes() const {
    return sizeof(*this) + slots_.capacity() * sizeof(Slot) + heap_.capacity() * sizeof(HeapEntry) +
           buckets_.capacity() * sizeof(std::uint32_t);
}

// ---- indexed binary min-heap of (key, slot); slots_[slot].heap_pos points back ----

void PingSchedule::heap_set(std::uint32_t pos, HeapEntry entry) {
    heap_[pos] = entry;
    slots_[entry.slot].heap_pos = pos;
}

void PingSchedule::sift_up(std::uint32_t pos) {
    const HeapEntry entry = heap_[pos];
    while (pos > 0) {
        const std::uint32_t parent = (pos - 1) / 2;
        if (heap_[parent].key <= entry.key) break;
        heap_set(pos, heap_[parent]);
        pos = parent;
    }
    heap_set(pos, entry);
}

void PingSchedule::sift_down(std::uint32_t pos) {
    const HeapEntry entry = heap_[pos];
    const std::size_t n = heap_.size();
    for (;;) {
        std::size_t child = 2 * std::size_t{pos} + 1;
        if (child >= n) break;
        if (child + 1 < n && heap_[child + 1].key < heap_[child].key) ++child;
        if (entry.key <= heap_[child].key) break;
        heap_set(pos, heap_[child]);
        pos = static_cast<std::uint32_t>(child);
    }
    heap_set(pos, entry);
}

void PingSchedule::heap_push(std::uint32_t slot, Millis key) {
    heap_.push_back(HeapEntry{key, slot});
    sift_up(static_cast<std::uint32_t>(heap_.size() - 1));
}

void PingSchedule::heap_erase(std::uint32_t pos) {
    slots_[heap_[pos].slot].heap_pos = kInFlight;
    const HeapEntry last = heap_.back();
    heap_.pop_back();
    if (pos == heap_.size()) return;
    heap_set(pos, last);
    sift_up(pos);
    sift_down(slots_[last.slot].heap_pos);
}

// ---- open-addressing index id -> slot, linear probing, backward-shift deletion ----

std::size_t PingSchedule::home(SessionId id) const {
    return static_cast<std::size_t>(mix64(id)) & (buckets_.size() - 1);
}

std::size_t PingSchedule::find_bucket(SessionId id) const {
    if (buckets_.empty()) return 0;
    const std::size_t mask = buckets_.size() - 1;
    for (std::size_t b = home(id);; b = (b + 1) & mask) {
        if (buckets_[b] == kEmpty) return buckets_.size();
        if (slots_[buckets_[b]].id == id) return b;
    }
}

void PingSchedule::index_insert(SessionId id, std::uint32_t slot) {
    const std::size_t mask = buckets_.size() - 1;
    std::size_t b = home(id);
    while (buckets_[b] != kEmpty) b = (b + 1) & mask;
    buckets_[b] = slot;
}

void PingSchedule::index_erase(std::size_t i) {
    const std::size_t mask = buckets_.size() - 1;
    std::size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (buckets_[j] == kEmpty) break;
        const std::size_t k = home(slots_[buckets_[j]].id);
        // The entry at j may fill the hole at i if i lies cyclically in [k, j).
        const bool movable = (j > i) ? (k <= i || k > j) : (k <= i && k > j);
        if (movable) {
            buckets_[i] = buckets_[j];
            i = j;
        }
    }
    buckets_[i] = kEmpty;
}

void PingSchedule::rehash(std::size_t buckets) {
    buckets_.assign(buckets, kEmpty);
    for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) index_insert(slots_[slot].id, slot);
}

void PingSchedule::drop_slot(std::uint32_t slot) {
    if (slots_[slot].heap_pos != kInFlight) heap_erase(slots_[slot].heap_pos);
    index_erase(find_bucket(slots_[slot].id));
    const auto last = static_cast<std::uint32_t>(slots_.size() - 1);
    if (slot != last) {  // keep the array dense: move the last slot into the hole
        slots_[slot] = slots_[last];
        buckets_[find_bucket(slots_[slot].id)] = slot;
        if (slots_[slot].heap_pos != kInFlight) heap_[slots_[slot].heap_pos].slot = slot;
    }
    slots_.pop_back();
}

}  // namespace tg::sessions
