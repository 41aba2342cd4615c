#!/bin/sh
# SPDX-License-Identifier: ISC
# Builds the libFuzzer targets in tests/fuzz/fuzz-*.c with clang (ASan,
# UBSan, libFuzzer) against the parsers in src/, then runs each one for a
# bounded time on a copy of its seed corpus and of the inputs in
# tests/fuzz/crashes/ named after it (fixed findings, kept as regressions).
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 30; TARGET is a name such as "path" or
# "fuzz-path" (default: every target). Build output goes to $FUZZ_BUILD
# (default /tmp/ftpsd-fuzz-build); the inputs each run finds, and the
# artifact of a crash, leak or timeout, stay in a work directory under it,
# never in tests/fuzz/corpus/. Prints one line per target with its number
# of executions (libFuzzer's final stats) and a summary line; exits
# non-zero if any target crashed, leaked, timed out or failed to build.
# Runs from any directory.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
src=$top/src
build=${FUZZ_BUILD:-/tmp/ftpsd-fuzz-build}
seconds=${1:-30}
[ $# -gt 0 ] && shift
CC=${FUZZ_CC:-clang}

case $seconds in
''|*[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;;
esac

# The longest input each target gets (-max_len): a little past the limits
# the code enforces, so that both sides of each limit are reached.
max_len() {
	case $1 in
	linebuf) echo 16384 ;;     # several lines, some over LINE_MAX_BYTES (4096)
	command) echo 4200 ;;      # one line, up to LINE_MAX_BYTES and past it
	hostport) echo 256 ;;      # one PORT/EPRT/EPSV argument
	path) echo 9000 ;;         # cwd and argument past VPATH_MAX (4096)
	proxy) echo 1200 ;;        # a version 2 header past its 1040-byte limit
	resolve) echo 512 ;;       # a path of up to ~500 tokens through the tree
	users) echo 20000 ;;       # a file spanning users.c's 16 KiB read blocks
	user-options) echo 1100 ;; # one options field, past USERS_LINE_MAX
	config) echo 12000 ;;      # values past VPATH_MAX and the banner limit
	listing) echo 6000 ;;      # a name and a symlink target past LISTING_LINE_MAX
	wildcard) echo 1024 ;;     # pattern and name past their 255-byte limits
	utf8) echo 512 ;;
	timeval) echo 64 ;;      # one MFMT time-val, with a long fraction
	journal) echo 20000 ;;     # a record past journal_send's 16 KiB buffer
	xferlog) echo 9000 ;;      # a path past VPATH_MAX
	ascii) echo 70000 ;;       # chunkings and output capacities of a stream
	usage) echo 256 ;;         # one usage file, past USAGE_FILE_MAX (128)
	privsep) echo 24600 ;;     # a login request past PS_MSG_MAX
	*) echo 4096 ;;
	esac
}

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz: $CC not found (install clang)" >&2
	exit 1
fi
if ! libs=$(pkg-config --cflags --libs gnutls libsystemd libxcrypt 2>&1); then
	echo "fuzz: pkg-config: $libs" >&2
	exit 1
fi

# Targets: the arguments, or every fuzz-*.c.
targets=""
if [ $# -gt 0 ]; then
	for t in "$@"; do
		t=${t#fuzz-}
		t=${t%.c}
		if [ ! -f "$here/fuzz-$t.c" ]; then
			echo "fuzz: no target $here/fuzz-$t.c" >&2
			exit 2
		fi
		targets="$targets $t"
	done
else
	for f in "$here"/fuzz-*.c; do
		t=${f##*/fuzz-}
		targets="$targets ${t%.c}"
	done
fi

mkdir -p "$build/obj" "$build/bin" || exit 1
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer $san -D_GNU_SOURCE -I$src -Wall -Wextra"
# The pure parts of src/ that the targets exercise.
objs="ascii command config hostport journal linebuf listing log netlist path privsep_proto proxy resolve usage users user_options util"

newer_than() {   # newer_than FILE SOURCES...: some source is newer, or FILE is missing
	out=$1
	shift
	[ -e "$out" ] || return 0
	for s in "$@"; do
		[ "$s" -nt "$out" ] && return 0
	done
	return 1
}

# Build (only what changed). The library first, then one binary per target.
# Runs started side by side build one at a time.
exec 9>"$build/.build-lock"
if command -v flock >/dev/null 2>&1; then
	flock 9
fi
lib=$build/obj/libftpsd-fuzz.a
rebuild_lib=false
for o in $objs; do
	if newer_than "$build/obj/$o.o" "$src/$o.c" "$src"/*.h; then
		# shellcheck disable=SC2086
		if ! "$CC" $cflags -fsanitize=fuzzer-no-link -c "$src/$o.c" -o "$build/obj/$o.o" \
			$(pkg-config --cflags gnutls libsystemd libxcrypt) 2>"$build/obj/$o.log"; then
			cat "$build/obj/$o.log" >&2
			echo "fuzz: building src/$o.c failed" >&2
			exit 1
		fi
		rebuild_lib=true
	fi
done
if $rebuild_lib || [ ! -e "$lib" ]; then
	rm -f "$lib"
	(cd "$build/obj" && ar rcs "$lib" $(for o in $objs; do printf '%s.o ' "$o"; done)) || exit 1
fi
failed_build=""
for t in $targets; do
	bin=$build/bin/fuzz-$t
	if newer_than "$bin" "$here/fuzz-$t.c" "$here/fuzz.h" "$lib" "$src"/*.h; then
		# shellcheck disable=SC2086
		if ! "$CC" $cflags -fsanitize=fuzzer "$here/fuzz-$t.c" "$lib" -o "$bin" $libs \
			2>"$build/bin/fuzz-$t.log"; then
			cat "$build/bin/fuzz-$t.log" >&2
			echo "fuzz: building fuzz-$t failed" >&2
			failed_build="$failed_build $t"
		fi
	fi
done

exec 9>&-

# Run.
work=$build/work
mkdir -p "$work" || exit 1
start=$(date +%s)
passed=0
failed=0
total_execs=0
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
for t in $targets; do
	case " $failed_build " in
	*" $t "*)
		printf '%-10s FAIL (build)\n' "$t"
		failed=$((failed + 1))
		continue
		;;
	esac
	dir=$(mktemp -d "$work/$t.XXXXXX") || exit 1
	mkdir -p "$dir/corpus" "$dir/artifacts"
	if [ -d "$here/corpus/$t" ]; then
		cp -p "$here/corpus/$t"/* "$dir/corpus/" 2>/dev/null
	fi
	# Inputs that once crashed a target run first, as regression tests.
	for c in "$here/crashes/$t"-*; do
		[ -f "$c" ] && cp -p "$c" "$dir/corpus/"
	done
	log=$dir/fuzz.log
	t0=$(date +%s)
	# The outer timeout is a backstop only: libFuzzer ends by itself.
	timeout -k 10 $((seconds + 300)) "$build/bin/fuzz-$t" "$dir/corpus" \
		-max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -print_pcs=0 \
		-artifact_prefix="$dir/artifacts/" >"$log" 2>&1 </dev/null
	rc=$?
	t1=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	corpus=$(find "$dir/corpus" -type f | wc -l)
	cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | sed 's/cov: //')
	total_execs=$((total_execs + ${execs:-0}))
	if [ "$rc" -eq 0 ] && ! grep -q '^==[0-9]*==ERROR\|runtime error:' "$log"; then
		printf '%-10s ok    %10s execs in %3ss  cov %-5s corpus %s\n' "$t" "${execs:-?}" \
			"$((t1 - t0))" "${cov:-?}" "$corpus"
		passed=$((passed + 1))
		rm -rf "$dir"
	else
		what=$(grep -Eo 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer): [a-zA-Z -]*|runtime error: .*|check failed: .*' "$log" | head -1)
		printf '%-10s FAIL  %10s execs in %3ss  (%s, exit %s)\n' "$t" "${execs:-?}" \
			"$((t1 - t0))" "${what:-see log}" "$rc"
		for a in "$dir"/artifacts/*; do
			[ -e "$a" ] && printf '           reproducer: %s\n' "$a"
		done
		printf '           log: %s\n' "$log"
		failed=$((failed + 1))
	fi
done
end=$(date +%s)
echo "fuzz: $passed passed, $failed failed, $total_execs executions in $((end - start))s"
[ "$failed" -eq 0 ]
