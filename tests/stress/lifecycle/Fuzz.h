#pragma once
// Shared pieces of the lifecycle fuzzer (tests/stress/lifecycle_fuzz.cc): the options, random
// numbers, the figures it prints, and how a broken invariant ends the run.

#include <atomic>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace lifecycle {

using Rng = std::mt19937_64;

/// SplitMix64's mixing step: turns a seed plus an index into an unrelated seed.
inline uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline bool chance(Rng& rng, double p) {
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p;
}
inline int between(Rng& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}
inline size_t index(Rng& rng, size_t size) {
  return std::uniform_int_distribution<size_t>(0, size - 1)(rng);
}

/// A kind of action --exclude can leave out of the scenario (--list-groups prints them).
struct Group {
  const char* name;
  const char* what;
};
extern const std::vector<Group> kGroups;

struct Options {
  uint64_t seed = 0;     // the run's seed, or with replay the round's
  bool replay = false;   // run the round `seed` (rounds times), not rounds derived from it
  double seconds = 20;   // no new round starts after this
  long rounds = 0;       // 0: as many as the time allows
  bool verbose = false;  // a line per round with what it did
  std::set<std::string> excluded;
  std::string program;  // argv[0], for the replay command

  bool allows(const char* group) const { return excluded.count(group) == 0; }
  /// The command line that runs this round again.
  std::string replayCommand(uint64_t roundSeed) const;
};

/// The round running now: named by violation() and by the note printed when the program dies
/// of a crash or a sanitizer report.
void setCurrentRound(long index, uint64_t seed, const Options& options);
uint64_t currentRoundSeed();
/// Reports a broken invariant, with the round's seed and its replay command, and ends the
/// program at once (exit status 1) from whichever thread finds it.
[[noreturn]] void violation(const std::string& what);
/// Prints the crash note (round, seed, replay command) on SIGABRT, on SIGSEGV/SIGBUS without a
/// sanitizer, and before a sanitizer ends the program.
void installCrashNote();

/// A random generator for code that runs in the library's threads (callbacks, timers): one per
/// thread, seeded again from the round's seed when a new round begins.
Rng& threadRng();

/// Counts shown as "figure:" lines at the end of a run.
struct Figures {
  std::atomic<long> rounds{0};
  std::atomic<long> serversStarted{0};
  std::atomic<long> serversDestroyedWithConnections{0};
  std::atomic<long> connectionsUp{0};
  std::atomic<long> connectionsDown{0};
  std::atomic<long> clientsCreated{0};
  std::atomic<long> clientsDestroyedInCallbacks{0};
  std::atomic<long> connectErrors{0};
  std::atomic<long> heldConnectionOps{0};
  std::atomic<long> opsAfterOwnerGone{0};
  std::atomic<long> httpRequests{0};
  std::atomic<long> httpThrows{0};
  std::atomic<long> timersFired{0};
  std::atomic<long> peersOpened{0};
  std::atomic<long> peerResets{0};
  std::atomic<long> peerHalfCloses{0};
};
extern Figures g_figures;

}  // namespace lifecycle
