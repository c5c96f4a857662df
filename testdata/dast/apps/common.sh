# Shared by the start/stop scripts of the third-party applications the
# DAST scanner is evaluated on. Sourced, never run. It starts nothing that
# is not already installed: PHP and MariaDB come from the distribution
# (Debian: apt-get install php-cli php-mysql mariadb-server), the
# application from a checkout you already have.
set -euo pipefail

STATE=${SECOPS_APPS_STATE:-/tmp/secops-apps}
DB_PORT=3306 # the applications' own configurations expect it
APP_USER=${SECOPS_APP_USER:-secopsapp}
mkdir -p "$STATE"

die() { echo "$*" >&2; exit 2; }

need() { command -v "$1" >/dev/null || die "$1 is not installed: $2"; }

# egress_block drops every packet the application's user and the database
# send to anything but loopback (nftables; root only). The scanned apps
# are deliberately vulnerable: nothing they run may reach the network.
egress_block() {
	[ "$(id -u)" = 0 ] || die "run as root: the egress block and the app user need it"
	need nft "apt-get install nftables"
	id "$APP_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$APP_USER"
	nft delete table inet secops_egress 2>/dev/null || true
	nft -f - <<NFT
table inet secops_egress {
  chain output {
    type filter hook output priority 0; policy accept;
    meta skuid { "$APP_USER", "mysql" } oifname != "lo" counter drop
  }
}
NFT
}

# db_start runs a private MariaDB on 127.0.0.1:$DB_PORT, data in $STATE,
# with root's password set to $1 (once, on first start).
db_start() {
	need mariadbd "apt-get install mariadb-server"
	local dir=$STATE/mariadb
	if ! { [ -S "$dir/mysqld.sock" ] && mariadb-admin --socket="$dir/mysqld.sock" ping >/dev/null 2>&1; }; then
		db_launch "$dir"
	fi
	local login=(-uroot -p"$1")
	mariadb --socket="$dir/mysqld.sock" "${login[@]}" -e 'select 1' >/dev/null 2>&1 || login=(-uroot)
	# The applications connect over TCP as root@127.0.0.1.
	mariadb --socket="$dir/mysqld.sock" "${login[@]}" -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '$1'; ALTER USER 'root'@'localhost' IDENTIFIED BY '$1'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;"
}

db_launch() {
	local dir=$1
	if [ ! -d "$dir/data/mysql" ]; then
		mkdir -p "$dir/data"
		chown -R mysql:mysql "$dir"
		mariadb-install-db --user=mysql --datadir="$dir/data" --auth-root-authentication-method=normal >"$dir/install.log" 2>&1
	fi
	chown -R mysql:mysql "$dir"
	mariadbd --user=mysql --datadir="$dir/data" --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
		--bind-address=127.0.0.1 --port=$DB_PORT --skip-name-resolve >"$dir/mysqld.log" 2>&1 &
	for _ in $(seq 50); do
		mariadb-admin --socket="$dir/mysqld.sock" ping >/dev/null 2>&1 && break
		sleep 0.2
	done
}

db_sql() { mariadb --socket="$STATE/mariadb/mysqld.sock" -uroot -p"$DB_ROOT_PASSWORD" -e "$1"; }

db_stop() {
	local pid=$STATE/mariadb/mysqld.pid
	[ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
}

# php_start NAME DOCROOT PORT [ENV...] serves DOCROOT with PHP's built-in
# server on 127.0.0.1:PORT as the app user, with the environment given.
php_start() {
	local name=$1 root=$2 port=$3
	shift 3
	need php "apt-get install php-cli php-mysql"
	php_stop "$name"
	# The app user must read the checkout and write where the app writes.
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin PHP_CLI_SERVER_WORKERS=4 "$@" setsid runuser -u "$APP_USER" -- \
		php -d display_errors=On -d error_reporting=E_ALL -d allow_url_fopen=On -d allow_url_include=On \
		-S 127.0.0.1:"$port" -t "$root" >"$STATE/$name.log" 2>&1 &
	# setsid made the server the leader of its own process group.
	echo $! >"$STATE/$name.pid"
	sleep 0.3
	if ! kill -0 $! 2>/dev/null; then
		die "$name did not start; see $STATE/$name.log"
	fi
	for _ in $(seq 50); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && return
		sleep 0.2
	done
	die "$name did not start on 127.0.0.1:$port; see $STATE/$name.log"
}

# php_stop ends the server's process group: with PHP_CLI_SERVER_WORKERS
# the workers outlive a killed parent and would keep the port.
php_stop() {
	local pid=$STATE/$1.pid
	if [ -f "$pid" ]; then
		kill -- -"$(cat "$pid")" 2>/dev/null || true
		rm -f "$pid"
		sleep 0.5
	fi
}
