/*
** email.h — email engagement: events (open, click, subscribe,
** unsubscribe) turned into per-customer features, and the stages of the
** built-in map email3.
**
**     seg_email e;
**     seg_email_init(&e);
**     seg_email_add(&e, seg_email_kind("open", 4), day, as_of);  // each event
**     e.last_open, e.last_click               // days, SEG_EMAIL_NEVER if none
**     e.recent_opens                          // opens in the last 30 days
**     seg_email_unsubscribed(&e)              // 1: the latest of subscribe /
**                                             //   unsubscribe is unsubscribe
**     seg_email_stage(&e, as_of)              // SEG_EMAIL_ACTIVE ...
**
** Events after as_of are ignored by the caller; recent means as_of - day <
** SEG_EMAIL_RECENT_DAYS (30): the 30 calendar days ending on as_of.
**
** Stages (email3), the first that holds:
**   Unsubscribed  the latest subscribe/unsubscribe event is an unsubscribe
**                 (one on the same day as a subscribe wins: do not mail);
**   New           subscribed, or first seen (any event), less than 30 days
**                 before as_of;
**   Active        opened less than 30 days before as_of;
**   Fading        the last open is 30 to 89 days old: the middle band;
**   Inactive      no open for 90 days or more, or never an open;
**   No events     no event at all (the customer is not on the list).
*/
#ifndef SEGMENT_CORE_EMAIL_H
#define SEGMENT_CORE_EMAIL_H

#include <stddef.h>
#include <stdint.h>

#define SEG_EMAIL_NEVER INT32_MIN
#define SEG_EMAIL_RECENT_DAYS 30
#define SEG_EMAIL_INACTIVE_DAYS 90

enum { SEG_EVENT_OPEN, SEG_EVENT_CLICK, SEG_EVENT_SUBSCRIBE,
       SEG_EVENT_UNSUBSCRIBE, SEG_EVENT_OTHER };

enum { SEG_EMAIL_NO_EVENTS, SEG_EMAIL_UNSUBSCRIBED, SEG_EMAIL_NEW,
       SEG_EMAIL_ACTIVE, SEG_EMAIL_FADING, SEG_EMAIL_INACTIVE,
       SEG_EMAIL_STAGES };

/* One customer's email features: 24 bytes. */
typedef struct seg_email {
  int32_t first_day;        /* first event of any kind */
  int32_t last_open;
  int32_t last_click;
  int32_t last_subscribe;
  int32_t last_unsubscribe;
  uint32_t recent_opens;
} seg_email;

void seg_email_init(seg_email *e);  /* no events: every day NEVER */

/* The kind of the event named z (n bytes, case-insensitive): 'open',
** 'click', 'subscribe', 'unsubscribe'; SEG_EVENT_OTHER for anything else. */
int seg_email_kind(const char *z, size_t n);

/* Count one event of kind on day (<= as_of_day). */
void seg_email_add(seg_email *e, int kind, int32_t day, int32_t as_of_day);

int seg_email_unsubscribed(const seg_email *e);  /* 0 or 1 */

/* The email3 stage (SEG_EMAIL_*) as of as_of_day. */
int seg_email_stage(const seg_email *e, int32_t as_of_day);

/* "Unsubscribed", "New", "Active", "Fading", "Inactive", "No events". */
const char *seg_email_stage_name(int stage);

#endif
