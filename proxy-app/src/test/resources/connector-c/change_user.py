"""COM_CHANGE_USER through MariaDB Connector/C (libmariadb), as Debian's python3-mysqldb exposes it.

Reads "user<TAB>password" lines from standard input (passwords stay off the command line): the first
logs in to 127.0.0.1 on the port given as the only argument, each later one changes the connection's
user. After each step it prints the CURRENT_USER() the server sees, or "error <code>" and stops when
the step fails.
"""
import sys

import MySQLdb
import MySQLdb._mysql as mysql


def current_user(connection):
    connection.query("SELECT CURRENT_USER() FOR UPDATE")
    return connection.store_result().fetch_row()[0][0].decode()


def main():
    port = int(sys.argv[1])
    steps = [line.rstrip("\n").split("\t", 1) for line in sys.stdin if line.strip()]
    connection = None
    try:
        for user, password in steps:
            if connection is None:
                connection = mysql.connect(
                    host="127.0.0.1", port=port, user=user, passwd=password, connect_timeout=30)
            else:
                connection.change_user(user, password)
            print(current_user(connection), flush=True)
    except MySQLdb.MySQLError as e:
        print("error %d" % e.args[0], flush=True)
    finally:
        if connection is not None:
            try:
                connection.close()
            except MySQLdb.MySQLError:
                pass


main()
