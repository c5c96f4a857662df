#!/usr/bin/env bash
# Start or stop OWASP Mutillidae II (github.com/webpwnized/mutillidae) from
# your checkout in $MUTILLIDAE_DIR, on
# http://127.0.0.1:${MUTILLIDAE_PORT:-8082}/, for the DAST evaluation
# (docs/dast-evaluation.md). Root only: it creates the app user, blocks
# that user's and the database's egress with nftables, runs a private
# MariaDB (root password "mutillidae", as Mutillidae's
# includes/database-config.inc expects) and PHP's built-in server, and
# builds Mutillidae's database through its own set-up page.
#
#   MUTILLIDAE_DIR=~/src/mutillidae testdata/dast/apps/mutillidae.sh start
#   testdata/dast/apps/mutillidae.sh session 5   # prints a cookie at security level 5
#   testdata/dast/apps/mutillidae.sh stop
#
# Mutillidae keeps its security level (0 insecure, 1 client-side checks,
# 5 secure) in the PHP session: "session LEVEL" logs in as admin in a new
# session, sets the level and prints the Cookie header to scan with.
. "$(dirname "$0")/common.sh"
DB_ROOT_PASSWORD=mutillidae
PORT=${MUTILLIDAE_PORT:-8082}
BASE=http://127.0.0.1:$PORT

case ${1:-} in
start)
	[ -n "${MUTILLIDAE_DIR:-}" ] && [ -f "$MUTILLIDAE_DIR/src/index.php" ] || die "set MUTILLIDAE_DIR to your Mutillidae checkout"
	egress_block
	db_start "$DB_ROOT_PASSWORD"
	chmod -R a+rX "$MUTILLIDAE_DIR"
	php_start mutillidae "$MUTILLIDAE_DIR/src" "$PORT"
	curl -s -o /dev/null "$BASE/set-up-database.php"
	db_sql "SELECT COUNT(*) AS mutillidae_accounts FROM mutillidae.accounts"
	echo "Mutillidae on $BASE/ (admin / adminpass)"
	;;
session)
	level=${2:-0}
	jar=$STATE/mutillidae-session.cookies
	rm -f "$jar"
	curl -s -o /dev/null -c "$jar" -b "$jar" "$BASE/index.php?page=login.php"
	curl -s -o /dev/null -c "$jar" -b "$jar" --data 'username=admin&password=adminpass&login-php-submit-button=Login' "$BASE/index.php?page=login.php"
	# The level goes 0 -> 1 -> 5 -> 0 with each toggle.
	case $level in 0) n=0 ;; 1) n=1 ;; 5) n=2 ;; *) die "level is 0, 1 or 5" ;; esac
	for _ in $(seq "$n"); do curl -s -o /dev/null -c "$jar" -b "$jar" "$BASE/index.php?do=toggle-security&page=home.php"; done
	curl -s -c "$jar" -b "$jar" "$BASE/index.php?page=home.php" | grep -o 'Security Level: [0-9]*' | head -1 >&2
	echo "Cookie: PHPSESSID=$(awk '$6 == "PHPSESSID" {print $7}' "$jar")"
	;;
stop)
	php_stop mutillidae
	[ -f "$STATE/dvwa.pid" ] || db_stop
	;;
*)
	die "usage: MUTILLIDAE_DIR=... $0 start|session LEVEL|stop"
	;;
esac
