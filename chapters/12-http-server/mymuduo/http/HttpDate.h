#pragma once
// The HTTP date (RFC 9110 §5.6.7), for the Date header of every response and the
// Last-Modified of a file. Pure functions; httpDateNow() keeps one cache per thread, so both
// are safe from any thread.

#include <ctime>
#include <string>
#include <string_view>

namespace mymuduo {
namespace http {

/// IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string formatHttpDate(std::time_t t);

/// The current time as an IMF-fixdate, formatted once per second per thread: every response of
/// a busy server needs it. The view stays valid until this thread's next call.
std::string_view httpDateNow();

}  // namespace http
}  // namespace mymuduo
