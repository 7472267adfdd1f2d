/*
 * citus_reach.c — a rule setting the workers of a Citus cluster would not
 * have is an error, never a silent wrong result (issue 14, doc/scaling.md
 * "Roles and the rules' settings on a cluster").
 *
 * The rules read reseller_billing.reseller_id, .customer_id (the tenant),
 * .effective_at, .action, .reason, .channel_provider (a change's moment,
 * kind, reason and the provider placing it) and .restore where the rows
 * are: on a cluster, on the workers.  Citus passes a value on to them only
 * when a SET LOCAL (or RESET) statement gives it in a transaction Citus
 * coordinates (a transaction block, a DO block, a procedure, a function
 * called by a statement: Citus's IsMultiStatementTransaction()).  A value
 * given otherwise — set_config(), ALTER ROLE/DATABASE ... SET, PGOPTIONS,
 * a function's SET clause, a SET LOCAL Citus did not pass on — stays on
 * the coordinator, and the rules on the workers would act without it.
 *
 * So this file keeps, per setting, the value the workers have in this
 * transaction: the last SET LOCAL/RESET that Citus passed on (the
 * ProcessUtility hook of citus_settings.c calls rb_reach_utility_done()
 * after each), by (sub)transaction nest level — forgotten when the
 * subtransaction aborts; when it commits, Citus gives connections opened
 * afterwards the parent's value while the connections already open keep
 * the new one, so the value is then "unsure" until the next SET LOCAL —,
 * else the empty default.  Before a statement runs (ExecutorStart; COPY in
 * the utility hook) the current value of each setting is compared with
 * that, a string comparison and nothing more; only when one differs, and
 * the statement is executed by Citus (a Citus custom scan in its plan, or
 * a COPY of a Citus table) and the extension's tenant tables are
 * distributed, is it refused (0A000), before it runs.  A statement about no
 * Citus table (SELECT 1, the catalog, a temporary table) is left alone: it
 * reaches no worker.  One node: no Citus in the backend, nothing is done.
 * In Citus's own connections on a worker nothing is checked (the worker
 * gets its values from the coordinator; citus_backend.c refuses a trusted
 * login's empty tenant there).
 *
 * The extension's API functions whose SET clause empties .effective_at,
 * .action, .reason (and .channel_provider) for their call, and set them with
 * set_local() inside, would otherwise leave the workers with the call's
 * values after it (the SET clause's restore is not a statement Citus sees):
 * an fmgr hook, at the start and at the end of a call of a function whose
 * SET clause names one of the settings, passes the value the coordinator
 * then has on to the workers with a SET LOCAL in a DO block (which Citus
 * passes on), when it differs from theirs.
 *
 * Whether Citus passes a SET LOCAL on is asked the way Citus asks it: its
 * counters DoBlockLevel, StoredProcedureLevel, ExecutorLevel and
 * PlannerLevel are read from citus.so (loaded with RTLD_GLOBAL); without
 * them only a transaction block counts, which can only refuse more.
 */
#include "postgres.h"

#include <dlfcn.h>

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/extensible.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "storage/proc.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "citus_backend.h"
#include "citus_reach.h"
#include "shard.h"

#define N_REACH 7

static const char *const reach_names[N_REACH] = {
	"reseller_billing.reseller_id", "reseller_billing.customer_id", "reseller_billing.effective_at",
	"reseller_billing.action", "reseller_billing.reason", "reseller_billing.channel_provider",
	"reseller_billing.restore"
};

/* a worker's value when no SET LOCAL gave one: the settings' defaults */
static const char *const reach_defaults[N_REACH] = {"", "", "", "", "", "", "off"};

/* whether a session-level SET of it is refused at the SET (citus_settings.c):
 * the settings that name something; .restore, a switch, is checked before
 * the next statement that reaches the workers, as any other value is */
static const bool reach_at_set[N_REACH] = {true, true, true, true, true, true, false};

/* what the workers were given, at a (sub)transaction nest level */
typedef struct Told
{
	int			level;
	bool		unsure;			/* some workers may have another value */
	char	   *value;
} Told;

static List *told[N_REACH];		/* innermost last, in TopTransactionContext */
static LocalTransactionId told_lxid = InvalidLocalTransactionId;

static int	citus_here = -1;	/* -1: not asked yet */
static int *do_level,
		   *proc_level,
		   *exec_level,
		   *plan_level;
static bool checking = false;

static ExecutorStart_hook_type prev_executor_start = NULL;
static fmgr_hook_type prev_fmgr = NULL;

static bool
citus_loaded(void)
{
	if (citus_here < 0)
	{
		citus_here = GetConfigOption("citus.propagate_set_commands", true, false) != NULL;
		if (citus_here)
		{
			do_level = (int *) dlsym(RTLD_DEFAULT, "DoBlockLevel");
			proc_level = (int *) dlsym(RTLD_DEFAULT, "StoredProcedureLevel");
			exec_level = (int *) dlsym(RTLD_DEFAULT, "ExecutorLevel");
			plan_level = (int *) dlsym(RTLD_DEFAULT, "PlannerLevel");
		}
	}
	return citus_here == 1;
}

static void
told_forget_if_old(void)
{
	if (told_lxid != MyProc->lxid)
	{
		for (int i = 0; i < N_REACH; i++)
			told[i] = NIL;
		told_lxid = MyProc->lxid;
	}
}

/* whether Citus passes a SET LOCAL given now on to the workers */
static bool
citus_passes_set_local(void)
{
	const char *mode = GetConfigOption("citus.propagate_set_commands", true, false);
	const char *opens;

	if (mode == NULL || strcmp(mode, "local") != 0)
		return false;
	if (IsTransactionBlock())
		return true;
	if (do_level == NULL || proc_level == NULL || exec_level == NULL || plan_level == NULL)
		return false;
	if (*do_level > 0 || *proc_level > 0)
		return true;
	opens = GetConfigOption("citus.function_opens_transaction_block", true, false);
	return (*exec_level > 1 || (*exec_level == 1 && *plan_level > 0)) &&
		opens != NULL && strcmp(opens, "on") == 0;
}

static const char *
workers_value(int i, bool *unsure)
{
	told_forget_if_old();
	if (told[i] == NIL)
	{
		*unsure = false;
		return reach_defaults[i];
	}
	*unsure = ((Told *) llast(told[i]))->unsure;
	return ((Told *) llast(told[i]))->value;
}

static const char *
here_value(int i)
{
	const char *v = GetConfigOption(reach_names[i], true, false);

	return v != NULL ? v : reach_defaults[i];
}

/* the first setting whose value here is not the workers', or -1 */
static int
mismatch(void)
{
	for (int i = 0; i < N_REACH; i++)
	{
		bool		unsure;
		const char *w = workers_value(i, &unsure);

		if (unsure || strcmp(w, here_value(i)) != 0)
			return i;
	}
	return -1;
}

static void
tell(int i, const char *value, bool unsure, int level)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	Told	   *t = told[i] != NIL ? (Told *) llast(told[i]) : NULL;
	char	   *copy = pstrdup(value);	/* value may be t->value */

	if (t == NULL || t->level != level)
	{
		t = palloc(sizeof(Told));
		t->level = level;
		told[i] = lappend(told[i], t);
	}
	else
		pfree(t->value);
	t->value = copy;
	t->unsure = unsure;
	MemoryContextSwitchTo(old);
}

static int
reach_index(const char *name)
{
	for (int i = 0; i < N_REACH; i++)
		if (name != NULL && pg_strcasecmp(name, reach_names[i]) == 0)
			return i;
	return -1;
}

bool
rb_reach_refused_at_set(const char *name)
{
	int			i = reach_index(name);

	return i >= 0 && reach_at_set[i];
}

/* after a SET/RESET statement ran: what Citus passed on to the workers */
void
rb_reach_utility_done(Node *stmt)
{
	VariableSetStmt *set;
	int			level,
				i;
	bool		unsure = false;

	if (!IsA(stmt, VariableSetStmt) || !citus_loaded() || !IsTransactionState())
		return;
	set = (VariableSetStmt *) stmt;
	level = GetCurrentTransactionNestLevel();
	told_forget_if_old();
	if (set->kind == VAR_RESET_ALL)
	{
		if (citus_passes_set_local())
			for (i = 0; i < N_REACH; i++)
				tell(i, reach_defaults[i], false, level);
		return;
	}
	i = reach_index(set->name);
	if (i < 0)
		return;
	if (set->kind != VAR_RESET && !set->is_local)
		return;					/* a session-level SET: not passed on */
	if (!citus_passes_set_local())
		return;
	switch (set->kind)
	{
		case VAR_SET_VALUE:
			tell(i, here_value(i), false, level);
			break;
		case VAR_SET_CURRENT:
			{
				const char *w = workers_value(i, &unsure);

				tell(i, w, unsure, level);
				break;
			}
		case VAR_SET_DEFAULT:
		case VAR_RESET:
			tell(i, reach_defaults[i], false, level);
			break;
		default:
			break;
	}
}

static void
reach_subxact(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid, void *arg)
{
	int			level;

	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;
	if (told_lxid != MyProc->lxid)
		return;
	level = GetCurrentTransactionNestLevel();
	for (int i = 0; i < N_REACH; i++)
	{
		Told	   *inner = NULL;
		const char *parent;
		bool		parent_unsure;

		while (told[i] != NIL && ((Told *) llast(told[i]))->level >= level)
		{
			inner = (Told *) llast(told[i]);
			told[i] = list_delete_last(told[i]);
		}
		if (inner == NULL || event == SUBXACT_EVENT_ABORT_SUB)
			continue;
		/* released: Citus's later connections get the parent's value, the open ones keep inner's */
		parent = workers_value(i, &parent_unsure);
		if (inner->unsure || strcmp(inner->value, parent) != 0)
			tell(i, parent, true, level - 1);
	}
}

static void
reach_xact(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
	{
		for (int i = 0; i < N_REACH; i++)
			told[i] = NIL;
		told_lxid = InvalidLocalTransactionId;
	}
}

/* whether the tenant tables are distributed (distributed()), the extension installed */
bool
rb_reach_tables_distributed(void)
{
	Oid			schema = get_namespace_oid("reseller_billing", true);
	bool		answer;

	if (!OidIsValid(schema) || !OidIsValid(get_relname_relid("reseller", schema)))
		return false;
	PushActiveSnapshot(GetTransactionSnapshot());
	answer = rb_distributed();
	PopActiveSnapshot();
	return answer;
}

static bool citus_plan(Plan *plan);

static bool
citus_plans(List *plans)
{
	ListCell   *lc;

	foreach(lc, plans)
		if (citus_plan((Plan *) lfirst(lc)))
		return true;
	return false;
}

/* whether a plan has a Citus custom scan: Citus executes it, on the workers */
static bool
citus_plan(Plan *plan)
{
	if (plan == NULL)
		return false;
	switch (nodeTag(plan))
	{
		case T_CustomScan:
			{
				CustomScan *cs = (CustomScan *) plan;

				if (cs->methods != NULL && cs->methods->CustomName != NULL &&
					strncmp(cs->methods->CustomName, "Citus", 5) == 0)
					return true;
				if (citus_plans(cs->custom_plans))
					return true;
				break;
			}
		case T_Append:
			if (citus_plans(((Append *) plan)->appendplans))
				return true;
			break;
		case T_MergeAppend:
			if (citus_plans(((MergeAppend *) plan)->mergeplans))
				return true;
			break;
		case T_BitmapAnd:
			if (citus_plans(((BitmapAnd *) plan)->bitmapplans))
				return true;
			break;
		case T_BitmapOr:
			if (citus_plans(((BitmapOr *) plan)->bitmapplans))
				return true;
			break;
		case T_SubqueryScan:
			if (citus_plan(((SubqueryScan *) plan)->subplan))
				return true;
			break;
		default:
			break;
	}
	return citus_plan(plan->lefttree) || citus_plan(plan->righttree);
}

static bool
citus_table(Oid relid)
{
	Oid			catalog = get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE);
	Datum		arg = ObjectIdGetDatum(relid);
	bool		isnull,
				answer;

	if (!OidIsValid(catalog) || !OidIsValid(relid))
		return false;
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "citus_reach: SPI_connect failed");
	if (SPI_execute_with_args("SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1)",
							  1, (Oid[]) {OIDOID}, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "citus_reach: the Citus catalog could not be read");
	answer = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	PopActiveSnapshot();
	return answer;
}

static void
refuse(int i)
{
	bool		unsure;
	const char *w = workers_value(i, &unsure);
	const char *h = here_value(i);
	const char *name = reach_names[i];
	bool		tenant = i <= 1;
	bool		context = !tenant && i <= 4;	/* what set_context() sets */

	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 unsure ?
			 errmsg("the setting %s = '%s' was given inside a released savepoint, and reached only some workers of this Citus cluster",
					name, h) :
			 h[0] == '\0' || strcmp(h, reach_defaults[i]) == 0 ?
			 errmsg("the setting %s is '%s' here, but '%s' on the workers of this Citus cluster", name, h, w) :
			 errmsg("the setting %s = '%s' does not reach the workers of this Citus cluster", name, h),
			 unsure ?
			 errdetail("The tenant tables are distributed, and the rules read %s on the workers; "
					   "Citus gives a SET LOCAL made inside a savepoint (or a PL/pgSQL block with EXCEPTION) "
					   "that was released only to the workers already in the transaction. "
					   "The statement was not run.", name) :
			 errdetail("The tenant tables are distributed, and the rules read %s on the workers, where it is '%s'; "
					   "Citus passes on to them only a SET LOCAL given in a transaction block, "
					   "not a value given by set_config(), ALTER ROLE or ALTER DATABASE ... SET or PGOPTIONS. "
					   "The statement was not run.", name, w),
			 tenant ?
			 errhint("Name the tenant with SET LOCAL %s inside BEGIN ... COMMIT, or bind the login to its tenant with reseller_billing.bind_login().",
					 name) :
			 context ?
			 errhint("Use SET LOCAL %s inside BEGIN ... COMMIT, or reseller_billing.set_context() in the transaction.",
					 name) :
			 errhint("Use SET LOCAL %s inside BEGIN ... COMMIT.", name)));
}

/* refuses (0A000) a statement Citus runs while a setting differs on the workers */
static void
check(bool by_citus_known, Oid copied)
{
	int			i;

	if (checking || !citus_loaded())
		return;
	i = mismatch();
	if (i < 0 || rb_citus_internal_backend() || !IsTransactionState())
		return;
	checking = true;
	PG_TRY();
	{
		bool		reaches = by_citus_known || citus_table(copied);

		if (reaches && rb_reach_tables_distributed())
			refuse(i);
	}
	PG_FINALLY();
	{
		checking = false;
	}
	PG_END_TRY();
}

void
rb_reach_copy(Node *stmt)
{
	CopyStmt   *copy;

	if (!IsA(stmt, CopyStmt) || !citus_loaded() || checking || mismatch() < 0)
		return;
	copy = (CopyStmt *) stmt;
	if (copy->relation == NULL || !IsTransactionState())
		return;
	check(false, RangeVarGetRelid(copy->relation, NoLock, true));
}

static void
reach_executor_start(QueryDesc *queryDesc, int eflags)
{
	if (!(eflags & EXEC_FLAG_EXPLAIN_ONLY) && citus_loaded() && !checking && mismatch() >= 0)
	{
		PlannedStmt *p = queryDesc->plannedstmt;

		if (citus_plan(p->planTree) || citus_plans(p->subplans))
			check(true, InvalidOid);
	}
	if (prev_executor_start)
		prev_executor_start(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/* passes the coordinator's value of setting i on to the workers (a SET LOCAL in a DO block) */
static void
pass_on(int i)
{
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfo(&sql, "DO $rb_reach$BEGIN SET LOCAL %s = %s; END$rb_reach$",
					 reach_names[i], quote_literal_cstr(here_value(i)));
	if (strstr(here_value(i), "$rb_reach$") != NULL)
		return;					/* cannot be quoted so: left to the refusal */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "citus_reach: SPI_connect failed");
	if (SPI_execute(sql.data, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "citus_reach: passing %s on to the workers failed", reach_names[i]);
	SPI_finish();
	pfree(sql.data);
}

/* a call of a function whose SET clause names a setting: keep the workers' value the coordinator's */
static void
reach_fmgr(FmgrHookEventType event, FmgrInfo *flinfo, Datum *arg)
{
	if (prev_fmgr)
		prev_fmgr(event, flinfo, arg);
	if ((event != FHET_START && event != FHET_END) || checking || !citus_loaded() ||
		!IsTransactionState() || mismatch() < 0 || rb_citus_internal_backend())
		return;
	{
		HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(flinfo->fn_oid));
		bool		isnull;
		Datum		config;
		Datum	   *items;
		int			n;
		bool		named[N_REACH] = {false};

		if (!HeapTupleIsValid(tup))
			return;
		config = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_proconfig, &isnull);
		if (isnull)
		{
			ReleaseSysCache(tup);
			return;
		}
		deconstruct_array(DatumGetArrayTypeP(config), TEXTOID, -1, false, TYPALIGN_INT, &items, NULL, &n);
		for (int k = 0; k < n; k++)
		{
			char	   *item = TextDatumGetCString(items[k]);
			char	   *eq = strchr(item, '=');
			int			i;

			if (eq != NULL)
			{
				*eq = '\0';
				i = reach_index(item);
				if (i >= 0)
					named[i] = true;
			}
			pfree(item);
		}
		ReleaseSysCache(tup);
		for (int i = 0; i < N_REACH; i++)
		{
			bool		unsure;

			if (named[i] && (strcmp(workers_value(i, &unsure), here_value(i)) != 0 || unsure))
				pass_on(i);
		}
	}
}

void
rb_reach_init(void)
{
	prev_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = reach_executor_start;
	prev_fmgr = fmgr_hook;
	fmgr_hook = reach_fmgr;
	RegisterSubXactCallback(reach_subxact, NULL);
	RegisterXactCallback(reach_xact, NULL);
}
