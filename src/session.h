/*
 * session.h — who acts in this session, for the C rules (session.c).
 */
#ifndef RB_SESSION_H
#define RB_SESSION_H

/* the role acting: the SET ROLE role, else the login (acting_role()) */
extern Oid	rb_acting_role(void);

/* restoring(): check_function_bodies off in a superuser session */
extern bool rb_restoring(void);

#endif
