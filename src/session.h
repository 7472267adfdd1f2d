/*
 * session.h — who acts in this session, for the C rules (session.c).
 */
#ifndef RB_SESSION_H
#define RB_SESSION_H

/* the role acting: the SET ROLE role, else the login (acting_role()) */
extern Oid	rb_acting_role(void);

/* restoring(): reseller_billing.restore on in a superuser session, read
 * once per transaction */
extern bool rb_restoring(void);

/* defines the setting reseller_billing.restore (from _PG_init) */
extern void rb_session_init(void);

/* defines the tenant settings reseller_billing.reseller_id and
 * reseller_billing.customer_id (tenant.c, from _PG_init) */
extern void rb_tenant_init(void);

#endif
