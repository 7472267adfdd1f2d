/*
 * reseller_billing.c — the shared library's entry: module magic, the
 * settings it defines when loaded, and its version.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "citus_backend.h"
#include "citus_reach.h"
#include "session.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	rb_session_init();
	rb_tenant_init();
	rb_citus_settings_init();
	rb_reach_init();
}

/*
 * library_version(): the version this library was built as, derived from
 * default_version in reseller_billing.control by the Makefile.
 */
PG_FUNCTION_INFO_V1(rb_library_version);
Datum
rb_library_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(RB_VERSION));
}
