/*
 * citus_backend.h — the rules inside a Citus worker's connection
 * (citus_backend.c).
 */
#ifndef RB_CITUS_BACKEND_H
#define RB_CITUS_BACKEND_H

/* whether this backend is one of Citus's own connections to a worker
 * (application_name "citus_internal gpid=...") */
extern bool rb_citus_internal_backend(void);

/* refuses (0A000) a trusted application login's empty tenant setting in a
 * Citus worker's connection; returns otherwise (kind: session_tenant()'s) */
extern void rb_citus_tenant_unnamed(const char *setting, const char *kind);

/* installs the refusal of a session-level SET of the rules' settings on a
 * Citus cluster (citus_settings.c, from _PG_init) */
extern void rb_citus_settings_init(void);

#endif
