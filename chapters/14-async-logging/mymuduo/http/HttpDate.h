#pragma once
// The HTTP date (RFC 9110 §5.6.7), for the Date header of every response, the Last-Modified of
// a file, and the dates a client sends back in If-Modified-Since, If-Unmodified-Since and
// If-Range. Pure functions; httpDateNow() keeps one cache per thread, so all are safe from any
// thread.

#include <ctime>
#include <string>
#include <string_view>

namespace mymuduo {
namespace http {

/// IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string formatHttpDate(std::time_t t);

/// Reads the three forms a recipient must accept: IMF-fixdate, RFC 850's
/// ("Sunday, 06-Nov-94 08:49:37 GMT", its two-digit year read as §5.6.7 says) and asctime()'s
/// ("Sun Nov  6 08:49:37 1994"). The whole text must be the date. False, and *t untouched, for
/// anything else, a day the month does not have included.
bool parseHttpDate(std::string_view text, std::time_t* t);

/// The current time as an IMF-fixdate, formatted once per second per thread: every response of
/// a busy server needs it. The view stays valid until this thread's next call.
std::string_view httpDateNow();

}  // namespace http
}  // namespace mymuduo
