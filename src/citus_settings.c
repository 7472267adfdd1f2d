/*
 * citus_settings.c — a session-level SET of the rules' settings on a Citus
 * cluster is refused at the SET (issue 14, doc/scaling.md "Roles and the
 * rules' settings on a cluster").
 *
 * The rules read reseller_billing.reseller_id, .customer_id (the tenant),
 * .effective_at, .action, .reason and .channel_provider (a change's moment,
 * kind, reason, provider) where
 * the rows are: on a cluster, on the workers.  Citus passes on to them only
 * a SET LOCAL given inside a transaction block (citus.propagate_set_commands
 * = 'local'); a session-level SET stays on the coordinator, and the
 * workers would act without it (for no tenant, at the billing clock's
 * moment).  So where the tenant tables are distributed (distributed()), a
 * SET of one of them to a value without LOCAL is refused (0A000) before it
 * changes anything; RESET, SET ... TO DEFAULT, SET LOCAL and one node are
 * untouched.  The check is a ProcessUtility hook of the library: it runs in
 * a session that has loaded it (any call of the extension's C functions,
 * or session_preload_libraries = 'reseller_billing', which distribute()
 * sets for the database's new sessions).  The same hook tells
 * citus_reach.c what each SET LOCAL passed on to the workers, and has it
 * check a COPY; a value given otherwise is refused there, at the next
 * statement that reaches the workers.
 */
#include "postgres.h"

#include "access/xact.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"

#include "citus_backend.h"
#include "citus_reach.h"

static ProcessUtility_hook_type prev_utility = NULL;

/* the value a SET gives, as text, NULL when it cannot be read simply */
static const char *
set_value(VariableSetStmt *stmt)
{
	A_Const    *c;

	if (list_length(stmt->args) != 1 || !IsA(linitial(stmt->args), A_Const))
		return NULL;
	c = (A_Const *) linitial(stmt->args);
	if (c->isnull)
		return "";
	if (IsA(&c->val, String))
		return strVal(&c->val);
	if (IsA(&c->val, Integer))
		return psprintf("%d", intVal(&c->val));
	if (IsA(&c->val, Float))
		return strVal(&c->val);
	return NULL;
}

static void
check_set(VariableSetStmt *stmt)
{
	const char *value;
	bool		tenant;

	if (stmt->is_local || stmt->name == NULL || !rb_reach_refused_at_set(stmt->name))
		return;
	if (stmt->kind != VAR_SET_VALUE && stmt->kind != VAR_SET_CURRENT)
		return;
	value = stmt->kind == VAR_SET_VALUE ? set_value(stmt) : NULL;
	if (value != NULL && value[0] == '\0')
		return;					/* an empty value names nothing */
	if (rb_citus_internal_backend() || !IsTransactionState() || !rb_reach_tables_distributed())
		return;
	tenant = pg_strcasecmp(stmt->name, "reseller_billing.reseller_id") == 0 ||
		pg_strcasecmp(stmt->name, "reseller_billing.customer_id") == 0;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("a session-level SET of %s does not reach the workers of this Citus cluster", stmt->name),
			 errdetail("The tenant tables are distributed, and the rules read %s on the workers; "
					   "Citus passes on to them only a SET LOCAL given inside a transaction block. "
					   "The SET of \"%s\" was not made.", stmt->name, value != NULL ? value : "(an expression)"),
			 tenant ?
			 errhint("Name the tenant with SET LOCAL %s inside BEGIN ... COMMIT, or bind the login to its tenant with reseller_billing.bind_login().",
					 stmt->name) :
			 errhint("Use SET LOCAL %s inside BEGIN ... COMMIT, or reseller_billing.set_context() in the transaction.",
					 stmt->name)));
}

static void
rb_citus_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				 ProcessUtilityContext context, ParamListInfo params,
				 QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *stmt = pstmt->utilityStmt;

	if (IsA(stmt, VariableSetStmt))
		check_set((VariableSetStmt *) stmt);
	else if (IsA(stmt, CopyStmt))
		rb_reach_copy(stmt);	/* citus_reach.c */
	if (prev_utility)
		prev_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	if (IsA(stmt, VariableSetStmt))
		rb_reach_utility_done(stmt);	/* what Citus passed on (citus_reach.c) */
}

void
rb_citus_settings_init(void)
{
	prev_utility = ProcessUtility_hook;
	ProcessUtility_hook = rb_citus_utility;
}
