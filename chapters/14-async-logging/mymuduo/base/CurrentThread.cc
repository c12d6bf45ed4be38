#include "mymuduo/base/CurrentThread.h"

#include <sys/syscall.h>
#include <unistd.h>

namespace mymuduo {
namespace CurrentThread {

__thread int t_cachedTid = 0;

void cacheTid() {
  if (t_cachedTid == 0) {
    t_cachedTid = static_cast<int>(::syscall(SYS_gettid));
  }
}

}  // namespace CurrentThread
}  // namespace mymuduo
