#!/bin/sh
# Rebuilds the rpm package databases (SQLite backend, as on AlmaLinux 9)
# that the image scanner's rpm tests read. Needs rpm and rpmbuild (Debian:
# apt-get install rpm) and python3; the tests themselves need neither.
#   almalinux-9.0.sqlite  openssl and openssl-libs 1:3.0.1-43.el9_0
#   almalinux-9.3.sqlite  openssl-libs 1:3.0.7-27.el9
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build() { # name epoch version release
	rpmbuild -bb --quiet --define "_topdir $work/top" --define "_build_id_links none" \
		--define "pname $1" --define "pepoch $2" --define "pversion $3" --define "prelease $4" \
		"$here/fixture.spec" >/dev/null
	echo "$work/top/RPMS/x86_64/$1-$3-$4.x86_64.rpm"
}

db() { # output rpm...
	out=$1
	shift
	rm -rf "$work/db"
	mkdir -p "$work/db"
	rpm --define '_db_backend sqlite' --dbpath "$work/db" --initdb
	rpm --define '_db_backend sqlite' --dbpath "$work/db" -i --justdb --nodeps --noscripts --nosignature "$@" 2>/dev/null
	# Fold the write-ahead log in and shrink the pages: the file is a test fixture.
	python3 - "$work/db/rpmdb.sqlite" "$here/$out" <<'PY'
import shutil, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA journal_mode=DELETE")
c.execute("PRAGMA page_size=512")
c.execute("VACUUM")
c.close()
shutil.copyfile(sys.argv[1], sys.argv[2])
PY
}

db almalinux-9.0.sqlite "$(build openssl 1 3.0.1 43.el9_0)" "$(build openssl-libs 1 3.0.1 43.el9_0)"
db almalinux-9.3.sqlite "$(build openssl-libs 1 3.0.7 27.el9)"
