/*
** sqlscan.h — is this text one SQL expression that cannot escape its
** parentheses?
**
** Some options hold SQL written by the user (the segments table's filter=,
** later rule maps).  The glue pastes such text inside parentheses:
** "... WHERE (" filter "\n)".  This scanner makes sure the text cannot
** close those parentheses early or start another statement: outside
** string literals, quoted identifiers and comments, every ')' closes a '('
** of its own, there is no ';', and nothing is left open at the end.
**
**     char err[128];
**     seg_sql_check_expression("status = 'paid'", err, sizeof err);   // 0
**     seg_sql_check_expression("1); DROP TABLE t; --", err, sizeof err); // -1
**
** It does not parse SQL; SQLite does that when the glue prepares the
** statement.  It only closes the door the parentheses leave open.
*/
#ifndef SEGMENT_CORE_SQLSCAN_H
#define SEGMENT_CORE_SQLSCAN_H

#include <stddef.h>

/* 0 when z is non-empty and balanced as above; -1 with a reason in err
** ("an unmatched ')'", "a ';'", ...) otherwise. */
int seg_sql_check_expression(const char *z, char *err, size_t errlen);

#endif
