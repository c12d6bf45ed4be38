#include "Fuzz.h"

#include <dlfcn.h>
#include <link.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lifecycle {

const std::vector<Group> kGroups = {
    {"error-stop", "stop() or destroy a TcpClient inside its connect-error callback"},
    {"late-read",
     "stopRead()/startRead() on a held connection once its server or client is destroyed (its "
     "loop may be gone), or with racing-ops while it is being destroyed"},
    {"racing-ops",
     "send(), shutdown(), forceClose() on a held connection while its server or client is "
     "being destroyed in another thread (with late-read also stopRead(), startRead())"},
    {"destroy-connected",
     "destroy a TcpClient while its connection is up (left out, the fuzzer closes it and waits "
     "for the down callback first)"},
    {"reconnect",
     "connect() again on a client: after disconnect() or stop(), while connected or connecting, "
     "from any thread and from its callbacks"},
    {"reconnect-in-down", "connect() in a client's own down callback, with or without retry"},
    {"http-throw", "HTTP handlers that throw, and the check that such a request is answered 500"},
    {"timer-teardown",
     "destroy a server or client, or stop() a client, in a timer callback of its loop, while "
     "another channel of that loop may have an event pending in the same iteration"},
    {"write-complete",
     "write-complete and high-water callbacks (the library runs both from queued tasks)"},
};

Figures g_figures;

namespace {

std::atomic<uint64_t> g_roundSeed{0};
std::atomic<uint64_t> g_roundNumber{0};  // changes with every round, for threadRng()
// The crash note, written between rounds by the main thread (before the round's threads are
// created), read by a signal handler or the sanitizer's death callback.
char g_note[2048];
size_t g_noteLength = 0;

void writeNote() {
  ssize_t n = ::write(STDERR_FILENO, g_note, g_noteLength);
  (void)n;
}

void onFatalSignal(int sig) {
  writeNote();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

std::string Options::replayCommand(uint64_t roundSeed) const {
  std::string cmd;
  if (const char* poll = std::getenv("MYMUDUO_USE_POLL")) {
    cmd += "MYMUDUO_USE_POLL=" + std::string(poll) + " ";
  }
  cmd += program + " --replay " + std::to_string(roundSeed);
  std::string groups;
  for (const auto& g : excluded) groups += (groups.empty() ? "" : ",") + g;
  if (!groups.empty()) cmd += " --exclude " + groups;
  return cmd;
}

void setCurrentRound(long index, uint64_t seed, const Options& options) {
  g_roundSeed = seed;
  ++g_roundNumber;
  int n = std::snprintf(g_note, sizeof g_note, "lifecycle_fuzz: round %ld, seed %llu\nreplay: %s\n",
                        index, static_cast<unsigned long long>(seed),
                        options.replayCommand(seed).c_str());
  g_noteLength = n < 0 ? 0 : std::min(static_cast<size_t>(n), sizeof g_note - 1);
}

uint64_t currentRoundSeed() { return g_roundSeed; }

void violation(const std::string& what) {
  std::fprintf(stderr, "\nlifecycle_fuzz: VIOLATION: %s\n", what.c_str());
  writeNote();
  std::fflush(stdout);
  ::_exit(1);
}

namespace {

// A sanitizer runtime calls the function given to its __sanitizer_set_death_callback() before
// it ends the program on a report. GCC links AddressSanitizer and UndefinedBehaviorSanitizer as
// two shared libraries, each with its own copy; Clang links one runtime into the program.
bool setDeathCallback(void* lib) {
  using SetDeathCallback = void (*)(void (*)());
  void* set = ::dlsym(lib, "__sanitizer_set_death_callback");
  if (set != nullptr) reinterpret_cast<SetDeathCallback>(set)(writeNote);
  return set != nullptr;
}

int setDeathCallbacks(dl_phdr_info* info, size_t, void* found) {
  if (info->dlpi_name == nullptr || std::strstr(info->dlpi_name, "san") == nullptr) return 0;
  if (void* lib = ::dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD)) {
    if (setDeathCallback(lib)) *static_cast<bool*>(found) = true;
    ::dlclose(lib);
  }
  return 0;
}

}  // namespace

void installCrashNote() {
  ::signal(SIGABRT, onFatalSignal);  // assert(), LOG_FATAL
  bool sanitizer = setDeathCallback(RTLD_DEFAULT);
  ::dl_iterate_phdr(setDeathCallbacks, &sanitizer);
  if (!sanitizer) {
    // Without a sanitizer (which handles these itself, reports, and then calls us).
    ::signal(SIGSEGV, onFatalSignal);
    ::signal(SIGBUS, onFatalSignal);
  }
}

Rng& threadRng() {
  static std::atomic<uint64_t> threadsSeeded{0};
  thread_local uint64_t seededFor = 0;
  thread_local Rng rng;
  if (seededFor != g_roundNumber) {
    seededFor = g_roundNumber;
    rng.seed(mix(g_roundSeed ^ mix(++threadsSeeded)));
  }
  return rng;
}

}  // namespace lifecycle
