/*
 * audit_write.h — writing a statement's audit rows (audit_write.c).
 */
#ifndef RB_AUDIT_WRITE_H
#define RB_AUDIT_WRITE_H

#include "postgres.h"

#include "datatype/timestamp.h"

/* one audit row as audit_row() keeps it */
typedef struct AuditRowValues
{
	int64		reseller;
	const char *operation;
	Datum		row_key;
	Datum		old_row;		/* (Datum) 0: none */
	Datum		new_row;
} AuditRowValues;

/* what every row of a statement shares */
typedef struct AuditShared
{
	const char *table_name;
	const char *role_name;
	const char *session_role;
	const char *tenant_setting;	/* NULL: none */
	TimestampTz clock_at;
} AuditShared;

/*
 * Inserts the rows straight into reseller_billing.audit_log when it is a
 * plain table of the shape this version creates, with no row triggers on
 * INSERT, on one node; returns false (nothing written) otherwise, and the
 * caller writes them with SQL.
 */
extern bool rb_audit_write_direct(AuditRowValues *rows, int n, AuditShared *shared);

#endif
