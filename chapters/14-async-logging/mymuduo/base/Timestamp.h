#pragma once

#include <cstdint>
#include <string>

namespace mymuduo {

/// A point in wall-clock time, in microseconds since the Unix epoch.
/// A plain value: cheap to copy, safe to pass between threads.
class Timestamp {
 public:
  static constexpr int64_t kMicroSecondsPerSecond = 1000 * 1000;

  Timestamp() = default;  // invalid (zero) time
  explicit Timestamp(int64_t microSecondsSinceEpoch)
      : microSecondsSinceEpoch_(microSecondsSinceEpoch) {}

  static Timestamp now();
  static Timestamp invalid() { return Timestamp(); }

  bool valid() const { return microSecondsSinceEpoch_ > 0; }
  int64_t microSecondsSinceEpoch() const { return microSecondsSinceEpoch_; }

  /// "1700000000.123456"
  std::string toString() const;
  /// "20231114 22:13:20.123456" in UTC.
  std::string toFormattedString(bool showMicroseconds = true) const;

 private:
  int64_t microSecondsSinceEpoch_ = 0;
};

inline bool operator<(Timestamp lhs, Timestamp rhs) {
  return lhs.microSecondsSinceEpoch() < rhs.microSecondsSinceEpoch();
}
inline bool operator==(Timestamp lhs, Timestamp rhs) {
  return lhs.microSecondsSinceEpoch() == rhs.microSecondsSinceEpoch();
}

/// high - low, in seconds.
inline double timeDifference(Timestamp high, Timestamp low) {
  int64_t diff = high.microSecondsSinceEpoch() - low.microSecondsSinceEpoch();
  return static_cast<double>(diff) / Timestamp::kMicroSecondsPerSecond;
}

inline Timestamp addTime(Timestamp timestamp, double seconds) {
  auto delta = static_cast<int64_t>(seconds * Timestamp::kMicroSecondsPerSecond);
  return Timestamp(timestamp.microSecondsSinceEpoch() + delta);
}

}  // namespace mymuduo
