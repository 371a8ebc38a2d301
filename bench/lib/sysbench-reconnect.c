/*
 * LD_PRELOAD shim that lets sysbench 1.0.20 reconnect when it is linked against libmariadb, as
 * Debian's sysbench is. Built and used by bench/primary-restart.sh.
 *
 * With an ignored 2013/2006/2055/2011 in --mysql-ignore-errors, sysbench's mysql driver reconnects
 * (mysql_drv_reconnect): it calls mysql_close() on its connection handle and then
 * mysql_real_connect() on the same handle, without mysql_init() in between. libmariadb frees the
 * handle's internals in mysql_close(), so the reconnect crashes (SIGSEGV in mysql_optionsv(),
 * akopytov/sysbench#527; the unmerged fix, #528, calls mysql_init() before reconnecting). A failed
 * reconnect attempt leaves the handle the same way, and sysbench retries every millisecond.
 *
 * This shim does what #528 does, from outside: a handle closed by mysql_close() is initialised
 * again with mysql_init() when mysql_real_connect() is called on it, and closed again when that
 * attempt fails, so that every attempt starts from a fresh handle. Handles that are closed and
 * freed are only compared by address, never touched. sysbench sets no mysql_options() here (no
 * SSL, no compression), so re-initialising loses nothing.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

typedef struct st_mysql MYSQL;

typedef MYSQL *(*init_fn)(MYSQL *);
typedef void (*close_fn)(MYSQL *);
typedef MYSQL *(*connect_fn)(MYSQL *, const char *, const char *, const char *, const char *,
                             unsigned int, const char *, unsigned long);

/* sysbench reconnects in the thread that owns the connection, right after closing it. */
static __thread MYSQL *closed;

static init_fn real_init;
static close_fn real_close;
static connect_fn real_connect;

static void resolve(void)
{
  if (real_connect == NULL)
  {
    real_init = (init_fn) dlsym(RTLD_NEXT, "mysql_init");
    real_close = (close_fn) dlsym(RTLD_NEXT, "mysql_close");
    real_connect = (connect_fn) dlsym(RTLD_NEXT, "mysql_real_connect");
  }
}

void mysql_close(MYSQL *mysql)
{
  resolve();
  real_close(mysql);
  closed = mysql;
}

MYSQL *mysql_real_connect(MYSQL *mysql, const char *host, const char *user, const char *passwd,
                          const char *db, unsigned int port, const char *unix_socket,
                          unsigned long flags)
{
  resolve();
  int reused = mysql != NULL && mysql == closed;
  if (reused)
    real_init(mysql);
  MYSQL *connected = real_connect(mysql, host, user, passwd, db, port, unix_socket, flags);
  if (reused)
  {
    if (connected == NULL)
      real_close(mysql); /* still "closed": the next attempt initialises it again */
    else
      closed = NULL;
  }
  return connected;
}
