#!/usr/bin/env bash
# Start or stop DVWA (github.com/digininja/DVWA) from your checkout in
# $DVWA_DIR, on http://127.0.0.1:${DVWA_PORT:-8081}/, for the DAST
# evaluation (docs/dast-evaluation.md). Root only: it creates the app user,
# blocks that user's and the database's egress with nftables, runs a
# private MariaDB and PHP's built-in server, and creates DVWA's database.
#
#   DVWA_DIR=~/src/DVWA DVWA_LEVEL=low testdata/dast/apps/dvwa.sh start
#   testdata/dast/apps/dvwa.sh stop
#
# DVWA_LEVEL is DVWA's default security level: low (the vulnerable
# application) or impossible (its secure version).
. "$(dirname "$0")/common.sh"
DB_ROOT_PASSWORD=${DB_ROOT_PASSWORD:-mutillidae}
PORT=${DVWA_PORT:-8081}
LEVEL=${DVWA_LEVEL:-low}

case ${1:-} in
start)
	[ -n "${DVWA_DIR:-}" ] && [ -f "$DVWA_DIR/config/config.inc.php.dist" ] || die "set DVWA_DIR to your DVWA checkout"
	egress_block
	db_start "$DB_ROOT_PASSWORD"
	db_sql "CREATE DATABASE IF NOT EXISTS dvwa; CREATE USER IF NOT EXISTS 'dvwa'@'127.0.0.1' IDENTIFIED BY 'p@ssw0rd'; GRANT ALL ON dvwa.* TO 'dvwa'@'127.0.0.1'; FLUSH PRIVILEGES;"
	# DVWA reads its settings from the environment once config.inc.php exists.
	[ -f "$DVWA_DIR/config/config.inc.php" ] || cp "$DVWA_DIR/config/config.inc.php.dist" "$DVWA_DIR/config/config.inc.php"
	chmod -R a+rX "$DVWA_DIR"
	chown -R "$APP_USER" "$DVWA_DIR/hackable/uploads" "$DVWA_DIR/config"
	php_start dvwa "$DVWA_DIR" "$PORT" DB_SERVER=127.0.0.1 DB_PORT=$DB_PORT DEFAULT_SECURITY_LEVEL="$LEVEL"
	# Create (or reset) DVWA's tables through its own setup page.
	jar=$STATE/dvwa-setup.cookies
	rm -f "$jar"
	token=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$PORT/setup.php" | sed -n "s/.*name='user_token' value='\([0-9a-f]*\)'.*/\1/p" | head -1)
	curl -s -o /dev/null -c "$jar" -b "$jar" --data "create_db=Create+%2F+Reset+Database&user_token=$token" "http://127.0.0.1:$PORT/setup.php"
	db_sql "SELECT COUNT(*) AS dvwa_users FROM dvwa.users"
	echo "DVWA ($LEVEL) on http://127.0.0.1:$PORT/ (admin / password)"
	;;
stop)
	php_stop dvwa
	[ -f "$STATE/mutillidae.pid" ] || db_stop
	;;
*)
	die "usage: DVWA_DIR=... $0 start|stop"
	;;
esac
