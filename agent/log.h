/* SPDX-License-Identifier: MIT */
/* One line per decision, to stderr, with a syslog priority prefix ("<6>")
 * that journald reads (SyslogLevelPrefix=yes is its default). */
#ifndef V6MIG_LOG_H
#define V6MIG_LOG_H

#include <stdbool.h>

/* syslog priorities */
#define LOG_P_ERR 3
#define LOG_P_WARNING 4
#define LOG_P_NOTICE 5
#define LOG_P_INFO 6
#define LOG_P_DEBUG 7

void log_set_level(int max_priority);
/* Priority prefixes on (daemon, default) or off (interactive CLI). */
void log_set_prefix(bool on);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_P_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_P_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_P_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_P_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_P_DEBUG, __VA_ARGS__)

#endif
