/*
 * shard.c — what a trigger needs to know when it fires on a Citus shard
 * (doc/scaling.md).
 *
 * On a Citus cluster a row trigger fires on a shard: a copy of the table
 * named <table>_<shard id>, in the same schema.
 *
 * table_name(rel), rb_logical_name(): the table's own name, so a rule that
 * names its table in a message, or picks a rule by table, says "payment",
 * not "payment_102045".  A relation whose name ends in _<digits> is a shard
 * when the name without them is a table of the same schema; nothing of
 * Citus is needed, and on one node a table's name is its own.
 *
 * rb_shared_copy_writes(): a shared table (a Citus reference table) has a
 * copy on every node, and a row trigger fires on each copy.  What a check
 * refuses it refuses on every copy alike; what a trigger writes elsewhere
 * (the audit log) must be written once.  The copy that writes is the one on
 * the node holding the audit log's shard of reseller 0, where shared rows
 * are logged: the write stays on that node, in the statement's
 * transaction (a trigger on a shard may not reach another node).  The
 * answer is asked of the Citus catalog the first time a trigger fires on a
 * relation in a transaction, and kept for the rest of it.
 *
 * rb_local_reads_begin()/_end(): the billing clock and the tenant functions
 * read a shared table (clock, tenant_login) or the session's own tenant's
 * rows, where a column default or a policy is evaluated: on a worker, inside
 * the task Citus sent it.  Citus refuses any query on its tables there
 * ("cannot execute a distributed query from a query on a shard") because a
 * query reaching another node would not see the task's transaction.  These
 * reads do not leave the node: a shared table has a copy on every node, and
 * a tenant's rows are colocated with the row being written.  Between the
 * two calls citus.allow_nested_distributed_execution is on (restored after,
 * as a function's SET clause is); without Citus they do nothing.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "clock.h"
#include "shard.h"
#include "spi_rules.h"

char *
rb_logical_name(Oid relid)
{
	char	   *name = get_rel_name(relid);
	int			len,
				i;

	if (name == NULL)
		return NULL;
	len = strlen(name);
	for (i = len; i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9'; i--)
		;
	if (i < len && i >= 2 && name[i - 1] == '_')
	{
		char	   *base = pnstrdup(name, i - 1);
		Oid			baseid = get_relname_relid(base, get_rel_namespace(relid));

		if (OidIsValid(baseid) && get_rel_relkind(baseid) == RELKIND_RELATION)
			return base;
	}
	return name;
}

PG_FUNCTION_INFO_V1(rb_table_name);
Datum
rb_table_name(PG_FUNCTION_ARGS)
{
	char	   *name = rb_logical_name(PG_GETARG_OID(0));

	if (name == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(name));
}

/* the last relation asked about, for the transaction it was asked in */
static Oid	asked_rel = InvalidOid;
static LocalTransactionId asked_lxid = InvalidLocalTransactionId;
static bool asked_writes = true;

bool
rb_shared_copy_writes(Oid relid)
{
	char	   *name = get_rel_name(relid);
	char	   *logical = rb_logical_name(relid);
	Oid			logical_id;
	static SPIPlanPtr plan = NULL;
	Datum		arg;
	bool		isnull;
	int			ret;

	if (name == NULL || strcmp(name, logical) == 0)
		return true;			/* not a shard: one node, or the table itself */
	if (relid == asked_rel && MyProc->lxid == asked_lxid)
		return asked_writes;

	logical_id = get_relname_relid(logical, get_rel_namespace(relid));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "rb_shared_copy_writes: SPI_connect failed");
	/* a reference table's copy, not on the node of the audit log's reseller 0 */
	rb_prepare_once(&plan,
					"SELECT p.partmethod OPERATOR(pg_catalog.<>) 'n' OR EXISTS ("
					"  SELECT FROM pg_catalog.pg_dist_placement pl, pg_catalog.pg_dist_local_group lg"
					"   WHERE pl.shardid OPERATOR(pg_catalog.=) pg_catalog.get_shard_id_for_distribution_column("
					"             'reseller_billing.audit_log'::pg_catalog.regclass, 0)"
					"     AND pl.groupid OPERATOR(pg_catalog.=) lg.groupid)"
					"  FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1",
					1, (Oid[]) {OIDOID});
	arg = ObjectIdGetDatum(logical_id);
	ret = SPI_execute_plan(plan, &arg, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "rb_shared_copy_writes: reading the Citus catalog failed: %s", SPI_result_code_string(ret));
	asked_writes = true;
	if (SPI_processed == 1)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		asked_writes = isnull || DatumGetBool(d);
	}
	SPI_finish();
	asked_rel = relid;
	asked_lxid = MyProc->lxid;
	return asked_writes;
}

int
rb_local_reads_begin(void)
{
	int			level;

	if (GetConfigOption("citus.allow_nested_distributed_execution", true, false) == NULL)
		return -1;				/* no Citus in this backend */
	level = NewGUCNestLevel();
	(void) set_config_option("citus.allow_nested_distributed_execution", "on",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return level;
}

void
rb_local_reads_end(int level)
{
	if (level >= 0)
		AtEOXact_GUC(true, level);
}

/*
 * rb_distributed(): whether the tenant tables are distributed on a Citus
 * cluster, asked of the Citus catalog once per statement (no Citus: a
 * catalog look-up, no query).  distributed() is its SQL form.
 */
bool
rb_distributed(void)
{
	static LocalTransactionId lxid = InvalidLocalTransactionId;
	static TimestampTz stmt = 0;
	static bool answer = false;
	Oid			catalog = get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE);
	Oid			reseller;
	Oid			types[1] = {OIDOID};
	Datum		args[1];
	bool		isnull;

	if (!OidIsValid(catalog))
		return false;			/* no Citus */
	if (MyProc->lxid == lxid && rb_wall_statement_start() == stmt)
		return answer;
	reseller = get_relname_relid("reseller", get_namespace_oid("reseller_billing", false));
	args[0] = ObjectIdGetDatum(reseller);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "distributed: SPI_connect failed");
	if (SPI_execute_with_args("SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1)",
							  1, types, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "distributed: the Citus catalog could not be read");
	answer = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	lxid = MyProc->lxid;
	stmt = rb_wall_statement_start();
	return answer;
}

PG_FUNCTION_INFO_V1(rb_distributed_sql);
Datum
rb_distributed_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(rb_distributed());
}
