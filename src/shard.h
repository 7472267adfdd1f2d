/*
 * shard.h — what a trigger needs to know when it fires on a Citus shard
 * (shard.c).
 */
#ifndef RB_SHARD_H
#define RB_SHARD_H

extern char *rb_logical_name(Oid relid);
extern bool rb_shared_copy_writes(Oid relid);
extern int	rb_local_reads_begin(void);
extern void rb_local_reads_end(int level);

/* whether the tenant tables are distributed on a Citus cluster (asked once
 * per statement) */
extern bool rb_distributed(void);

#endif
