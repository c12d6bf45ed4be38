// The lifecycle fuzzer: random interleavings of the library's public API from several threads,
// checked against the lifetime rules the library promises (docs/reliability.md, "The lifecycle
// fuzzer"). Each round builds a scenario from its own seed: server loops with TcpServers and
// HttpServers (0-2 IO threads each), raw-socket peers that connect, send, half-close, reset and
// close, TcpClients owned by heap objects whose callbacks use `this`, held TcpConnectionPtrs
// acted on from any thread, timers added and cancelled (also from their own callbacks), HTTP
// handlers that throw; servers and clients are destroyed at random moments, also from inside
// their own callbacks. Then it tears everything down and checks (lifecycle/Ledger.h):
//   - every connection UP once, then DOWN exactly once; no callback of a connection after its
//     DOWN; a client has one connection at a time;
//   - no callback given to a server or client runs after the destructor of its owner returned;
//   - a held connection does nothing once its owner is gone: it is disconnected, and send(),
//     shutdown(), forceClose(), stopRead(), startRead() are safe on it;
//   - an HTTP handler is called once per request, and one that throws gets its request answered
//     500 and the connection closed;
//   - timers: a one-shot runs at most once, none runs after a cancel in its loop or after it
//     cancelled itself, and no timer callback is left once the loops are gone;
//   - the process has the same open fds after the round as before it.
// A sanitizer build adds its own checks (use after free, data races).
//
//   stress_lifecycle_fuzz [--seed N] [--seconds S] [--rounds N] [--replay SEED] [-v]
//                         [--exclude GROUP,...] [--only GROUP,...] [--list-groups]
//
// The run's seed comes from the clock unless given, and is printed first; every round's seed
// is printed on stderr as it starts. On a violation the program prints it, the round's seed and
// the command that runs that round again (--replay), and exits with status 1; a crash or a
// sanitizer report ends it with the same note. Threads make a round's interleaving differ
// from run to run, so a replay may need a few tries (--replay SEED --rounds 50). Exit status 0
// when every round held every check, 2 on a bad command line.
#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "lifecycle/Fuzz.h"
#include "lifecycle/World.h"
#include "mymuduo/base/Logger.h"

using namespace lifecycle;

namespace {

[[noreturn]] void usage(const char* error) {
  std::FILE* out = error != nullptr ? stderr : stdout;
  if (error != nullptr) std::fprintf(out, "stress_lifecycle_fuzz: %s\n", error);
  std::fprintf(out,
               "usage: stress_lifecycle_fuzz [options]\n"
               "  --seed N         the run's seed (default: from the clock; printed first)\n"
               "  --seconds S      start no round after S seconds (default 20)\n"
               "  --rounds N       stop after N rounds\n"
               "  --replay SEED    run the round whose seed is SEED (once, or --rounds times)\n"
               "  --exclude G,...  leave these groups of actions out (--list-groups)\n"
               "  --only G,...     leave every other group out\n"
               "  -v               a line for each round\n");
  std::exit(error != nullptr ? 2 : 0);
}

std::set<std::string> parseGroups(const std::string& list) {
  std::set<std::string> groups;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string name = list.substr(start, comma == std::string::npos ? comma : comma - start);
    if (name.empty()) break;  // an empty list
    bool known = false;
    for (const Group& g : kGroups) known = known || name == g.name;
    if (!known) usage(("unknown group '" + name + "' (see --list-groups)").c_str());
    groups.insert(name);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return groups;
}

Options parse(int argc, char* argv[]) {
  Options opts;
  opts.program = argv[0];
  bool seedGiven = false;
  bool secondsGiven = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage((arg + " needs a value").c_str());
      return argv[++i];
    };
    if (arg == "--seed" || arg == "--replay") {
      opts.seed = std::strtoull(value().c_str(), nullptr, 0);
      opts.replay = arg == "--replay";
      seedGiven = true;
    } else if (arg == "--seconds") {
      opts.seconds = std::atof(value().c_str());
      secondsGiven = true;
    } else if (arg == "--rounds") {
      opts.rounds = std::atol(value().c_str());
    } else if (arg == "--exclude") {
      for (const std::string& g : parseGroups(value())) opts.excluded.insert(g);
    } else if (arg == "--only") {
      std::set<std::string> only = parseGroups(value());
      for (const Group& g : kGroups) {
        if (only.count(g.name) == 0) opts.excluded.insert(g.name);
      }
    } else if (arg == "--list-groups") {
      for (const Group& g : kGroups) std::printf("%-18s %s\n", g.name, g.what);
      std::exit(0);
    } else if (arg == "-v") {
      opts.verbose = true;
    } else {
      usage(arg == "--help" || arg == "-h" ? nullptr : ("unknown argument " + arg).c_str());
    }
  }
  if (opts.replay && opts.rounds == 0) opts.rounds = 1;
  // With a number of rounds and no time, the rounds decide.
  if (opts.rounds > 0 && !secondsGiven) opts.seconds = 1e9;
  if (!seedGiven) {
    auto now = std::chrono::system_clock::now().time_since_epoch().count();
    opts.seed = mix(static_cast<uint64_t>(now) ^ (static_cast<uint64_t>(::getpid()) << 32));
  }
  return opts;
}

/// The process's open fds, each with what it points to.
std::map<int, std::string> openFds() {
  std::map<int, std::string> fds;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return fds;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    int fd = std::atoi(entry->d_name);
    if (fd == ::dirfd(dir)) continue;
    char target[256] = "?";
    std::string path = std::string("/proc/self/fd/") + entry->d_name;
    ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    fds[fd] = n > 0 ? std::string(target, static_cast<size_t>(n)) : "?";
  }
  ::closedir(dir);
  return fds;
}

void checkFds(const std::map<int, std::string>& before, const std::map<int, std::string>& after) {
  std::string diff;
  for (const auto& [fd, what] : after) {
    if (before.count(fd) == 0) diff += " fd " + std::to_string(fd) + " (" + what + ") opened;";
  }
  for (const auto& [fd, what] : before) {
    if (after.count(fd) == 0) diff += " fd " + std::to_string(fd) + " (" + what + ") closed;";
  }
  if (!diff.empty()) {
    violation(
        "the open fds differ after the round from before it, with every loop and thread "
        "gone:" +
        diff);
  }
}

/// Ends the run when a round has not ended after kLimit: a hang (a destructor waiting for a
/// loop that never runs its task, a join that never returns) fails with the round's seed.
class Watchdog {
 public:
  static constexpr auto kLimit = std::chrono::seconds(60);

  Watchdog() : thread_([this] { watch(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cond_.notify_one();
    thread_.join();
  }
  void roundStarts() {
    std::lock_guard<std::mutex> lock(mutex_);
    deadline_ = std::chrono::steady_clock::now() + kLimit;
  }

 private:
  void watch() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
      cond_.wait_until(lock, deadline_);
      if (!stop_ && std::chrono::steady_clock::now() >= deadline_) {
        violation("the round has not ended after 60 s (a hang)");
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable cond_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::now() + kLimit;
  bool stop_ = false;
  std::thread thread_;  // last: it uses the members above
};

void printFigures(long rounds, double seconds) {
  const Figures& f = g_figures;
  std::printf("figure: rounds = %ld in %.1f s\n", rounds, seconds);
  std::printf("figure: servers started = %ld, destroyed with connections open = %ld\n",
              f.serversStarted.load(), f.serversDestroyedWithConnections.load());
  std::printf("figure: connections up = %ld, down = %ld\n", f.connectionsUp.load(),
              f.connectionsDown.load());
  std::printf(
      "figure: clients = %ld, destroyed in their own callbacks = %ld, connect errors = "
      "%ld\n",
      f.clientsCreated.load(), f.clientsDestroyedInCallbacks.load(), f.connectErrors.load());
  std::printf("figure: calls on held connections = %ld, after their owner was gone = %ld\n",
              f.heldConnectionOps.load(), f.opsAfterOwnerGone.load());
  std::printf("figure: HTTP requests handled = %ld, handlers that threw = %ld\n",
              f.httpRequests.load(), f.httpThrows.load());
  std::printf("figure: timers run = %ld\n", f.timersFired.load());
  std::printf("figure: peers = %ld, resets = %ld, half-closes = %ld\n", f.peersOpened.load(),
              f.peerResets.load(), f.peerHalfCloses.load());
}

}  // namespace

int main(int argc, char* argv[]) {
  Options opts = parse(argc, argv);
  // The library logs every connection at INFO; a violation says what matters.
  if (std::getenv("MYMUDUO_LOG_LEVEL") == nullptr) {
    mymuduo::Logger::setLogLevel(mymuduo::Logger::ERROR);
  }
  installCrashNote();
  std::string excluded;
  for (const auto& g : opts.excluded) excluded += (excluded.empty() ? "" : ",") + g;
  std::printf("lifecycle_fuzz: %s %llu%s%s\n", opts.replay ? "replaying round" : "seed",
              static_cast<unsigned long long>(opts.seed),
              excluded.empty() ? "" : ", excluded: ", excluded.c_str());
  std::fflush(stdout);

  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  long round = 0;
  Watchdog watchdog;
  while ((opts.rounds == 0 || round < opts.rounds) && elapsed() < opts.seconds) {
    ++round;
    uint64_t seed = opts.replay ? opts.seed : mix(opts.seed + static_cast<uint64_t>(round));
    setCurrentRound(round, seed, opts);
    watchdog.roundStarts();
    std::fprintf(stderr, "round %ld seed %llu\n", round, static_cast<unsigned long long>(seed));
    auto fdsBefore = openFds();
    double roundStart = elapsed();
    {
      World world(opts, seed);
      world.run();
    }
    checkFds(fdsBefore, openFds());
    ++g_figures.rounds;
    if (opts.verbose) {
      std::fprintf(stderr, "round %ld done in %.3f s; connections up so far: %ld\n", round,
                   elapsed() - roundStart, g_figures.connectionsUp.load());
    }
  }
  printFigures(round, elapsed());
  std::printf("ok: %ld rounds, every check held\n", round);
  return 0;
}
