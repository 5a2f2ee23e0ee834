/*
** message.h — the core's error messages: a printf into the caller's
** buffer, which may be absent.
**
**     char err[200];
**     seg_say(err, sizeof err, "bins must be 2 to 9, got %d", bins);
**     seg_say(NULL, 0, "...");   // no buffer: nothing written
*/
#ifndef SEGMENT_CORE_MESSAGE_H
#define SEGMENT_CORE_MESSAGE_H

#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
void seg_say(char *err, size_t errlen, const char *fmt, ...);

#endif
