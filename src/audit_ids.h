/*
 * audit_ids.h — a statement's audit ids in one step (audit_ids.c).
 */
#ifndef RB_AUDIT_IDS_H
#define RB_AUDIT_IDS_H

#include "postgres.h"

/*
 * IDS gets N (>= 1) ids from sequence SEQID, increasing, as N nextval calls
 * give them: the first N - 1 consecutive, taken with the sequence's page
 * locked once when the sequence allows, the last by nextval (so lastval()
 * and currval() report it, as before).
 */
extern void rb_audit_ids(Oid seqid, int n, int64 *ids);

#endif
