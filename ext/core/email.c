/*
** email.c — email features and the email3 stages; see email.h.
*/
#include "email.h"

#include <string.h>

void seg_email_init(seg_email *e) {
  e->first_day = e->last_open = e->last_click = SEG_EMAIL_NEVER;
  e->last_subscribe = e->last_unsubscribe = SEG_EMAIL_NEVER;
  e->recent_opens = 0;
}

int seg_email_kind(const char *z, size_t n) {
  static const char *const az[] = {"open", "click", "subscribe", "unsubscribe"};
  for (int k = 0; k < 4; k++) {
    size_t m = strlen(az[k]), i;
    if (m != n) continue;
    for (i = 0; i < n; i++) {
      char c = z[i];
      if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
      if (c != az[k][i]) break;
    }
    if (i == n) return k;
  }
  return SEG_EVENT_OTHER;
}

static void latest(int32_t *p, int32_t day) {
  if (*p == SEG_EMAIL_NEVER || day > *p) *p = day;
}

void seg_email_add(seg_email *e, int kind, int32_t day, int32_t as_of_day) {
  if (e->first_day == SEG_EMAIL_NEVER || day < e->first_day) e->first_day = day;
  switch (kind) {
    case SEG_EVENT_OPEN:
      latest(&e->last_open, day);
      if ((int64_t)as_of_day - day < SEG_EMAIL_RECENT_DAYS) e->recent_opens++;
      break;
    case SEG_EVENT_CLICK: latest(&e->last_click, day); break;
    case SEG_EVENT_SUBSCRIBE: latest(&e->last_subscribe, day); break;
    case SEG_EVENT_UNSUBSCRIBE: latest(&e->last_unsubscribe, day); break;
    default: break;
  }
}

int seg_email_unsubscribed(const seg_email *e) {
  return e->last_unsubscribe != SEG_EMAIL_NEVER &&
         (e->last_subscribe == SEG_EMAIL_NEVER ||
          e->last_unsubscribe >= e->last_subscribe);
}

/* Whether day (not NEVER) is less than n days before as_of_day. */
static int within(int32_t day, int32_t as_of_day, int n) {
  return day != SEG_EMAIL_NEVER && (int64_t)as_of_day - day < n;
}

int seg_email_stage(const seg_email *e, int32_t as_of_day) {
  if (e->first_day == SEG_EMAIL_NEVER) return SEG_EMAIL_NO_EVENTS;
  if (seg_email_unsubscribed(e)) return SEG_EMAIL_UNSUBSCRIBED;
  if (within(e->last_subscribe, as_of_day, SEG_EMAIL_RECENT_DAYS) ||
      within(e->first_day, as_of_day, SEG_EMAIL_RECENT_DAYS))
    return SEG_EMAIL_NEW;
  if (within(e->last_open, as_of_day, SEG_EMAIL_RECENT_DAYS)) return SEG_EMAIL_ACTIVE;
  if (within(e->last_open, as_of_day, SEG_EMAIL_INACTIVE_DAYS)) return SEG_EMAIL_FADING;
  return SEG_EMAIL_INACTIVE;
}

const char *seg_email_stage_name(int stage) {
  static const char *const az[] = {"No events", "Unsubscribed", "New",
                                   "Active", "Fading", "Inactive"};
  return stage >= 0 && stage < SEG_EMAIL_STAGES ? az[stage] : NULL;
}
