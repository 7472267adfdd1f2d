/*
 * citus_reach.h — a rule setting the workers of a Citus cluster would not
 * have is refused (citus_reach.c).
 */
#ifndef RB_CITUS_REACH_H
#define RB_CITUS_REACH_H

#include "nodes/nodes.h"

/* installs the hooks (from _PG_init) */
extern void rb_reach_init(void);

/* after a utility statement ran: records what a SET LOCAL passed on */
extern void rb_reach_utility_done(Node *stmt);

/* before a COPY: refuses it when it reaches a Citus table with a setting the workers lack */
extern void rb_reach_copy(Node *stmt);

/* whether a session-level SET of this setting is refused at the SET */
extern bool rb_reach_refused_at_set(const char *name);

/* whether the extension is installed and its tenant tables distributed */
extern bool rb_reach_tables_distributed(void);

#endif
