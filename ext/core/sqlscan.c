/*
** sqlscan.c — the balanced-expression check; see sqlscan.h.
**
** HOW IT WORKS
** One pass over the bytes with SQLite's lexical rules for the parts that
** can hide a parenthesis: '...' strings ('' inside), "..." and `...`
** identifiers (doubled quote inside), [...] identifiers, -- comments to
** the end of the line, and C-style comments (which must be closed here, though
** SQLite would let one run to the end of the input).
*/
#include "sqlscan.h"

#include <stdio.h>

static int fail(char *err, size_t errlen, const char *why) {
  if (err && errlen) snprintf(err, errlen, "%s", why);
  return -1;
}

int seg_sql_check_expression(const char *z, char *err, size_t errlen) {
  int depth = 0, tokens = 0;
  for (size_t i = 0; z[i]; i++) {
    char c = z[i];
    switch (c) {
      case ' ': case '\t': case '\n': case '\r': case '\f':
        break;
      case '\'': case '"': case '`': {
        for (i++;; i++) {
          if (!z[i]) return fail(err, errlen, "an unterminated quote");
          if (z[i] == c) {
            if (z[i + 1] != c) break;
            i++;
          }
        }
        tokens++;
        break;
      }
      case '[':
        while (z[i] && z[i] != ']') i++;
        if (!z[i]) return fail(err, errlen, "an unterminated [identifier]");
        tokens++;
        break;
      case '-':
        if (z[i + 1] == '-') {
          while (z[i + 1] && z[i + 1] != '\n') i++;
        } else {
          tokens++;
        }
        break;
      case '/':
        if (z[i + 1] == '*') {
          for (i += 2;; i++) {
            if (!z[i] || !z[i + 1]) return fail(err, errlen, "an unterminated comment");
            if (z[i] == '*' && z[i + 1] == '/') break;
          }
          i++;
        } else {
          tokens++;
        }
        break;
      case '(':
        depth++;
        tokens++;
        break;
      case ')':
        if (depth == 0) return fail(err, errlen, "an unmatched ')'");
        depth--;
        break;
      case ';':
        return fail(err, errlen, "a ';'");
      default:
        tokens++;
        break;
    }
  }
  if (depth > 0) return fail(err, errlen, "an unclosed '('");
  if (tokens == 0) return fail(err, errlen, "nothing");
  return 0;
}
