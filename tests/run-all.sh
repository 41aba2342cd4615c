#!/bin/sh
# SPDX-License-Identifier: ISC
# The whole test suite, from a clean tree: dependencies, a normal build
# (gcc) and its `make check`, the same suite on an ASan+UBSan build
# (clang), the fuzzers (tests/fuzz/), the mutation runs (tests/mutate.py),
# the benchmark's smoke run (bench/), and make distcheck. Compiler
# warnings count as failures.
#
# The last line is "N passed, N failed" over distinct checks, each
# counted once:
#   - every TAP assertion of the normal build's make check (unit and
#     integration tests; a SKIP counts in neither number);
#   - the sanitizer build's make check runs the same assertions on another
#     binary: it counts one check per script (passed there or not), and
#     has its own line, "sanitizer build: N passed, N failed" (scripts);
#   - each libFuzzer target and each replayed crash input or session;
#   - each property the session fuzzer checks over all its sessions (not
#     one per session: they all test the same properties);
#   - each mutation of tests/mutate.py (caught: passed; missed: failed);
#   - compiler warnings of each build, the bench smoke run, distcheck.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
sh tests/deps.sh && sh tests/interop/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; echo "0 passed, 1 failed"; exit 1; }

run_build() {   # run_build DIR CONFIGURE-ARGS...
	dir=$1
	shift
	rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || return 1
	if ! "$top/configure" -q "$@" >configure.out 2>&1 || ! make -j2 >make.out 2>&1; then
		cat configure.out make.out 2>/dev/null | tail -40
		echo "# build in $dir failed"
		echo "BUILD FAILED" >test-suite.log
		cd "$top" || return 1
		return 1
	fi
	make -j2 check >check.out 2>&1
	grep -E '^(PASS|FAIL|XPASS|ERROR|SKIP):' check.out | grep -v '^PASS:' | sed "s|^|[$dir] |"
	grep -E '^# (TOTAL|PASS|FAIL|ERROR|XPASS|SKIP):' check.out | sed "s|^|[$dir] |"
	cd "$top" || return 1
}

run_build build
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
	run_build build-sanitize CC=clang \
	CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"

# Fuzzing: every libFuzzer target for a while (inputs that once crashed
# one run first), then the whole-session fuzzer on the sanitizer build,
# after replaying the sessions that once failed. Its seed is FUZZ_SEED
# when given (to rerun a CI run), else random; either way it is printed,
# and a failing session is saved in tests/fuzz/crashes/ to be replayed.
fuzz_passed=0
fuzz_failed=0
FUZZ_BUILD=$top/build-fuzz sh tests/fuzz/run.sh "${FUZZ_SECONDS:-20}" >build-sanitize/fuzz.out 2>&1
cat build-sanitize/fuzz.out
fuzz_passed=$(grep -c '^[a-z0-9-]* *ok ' build-sanitize/fuzz.out)
fuzz_failed=$(grep -c '^[a-z0-9-]* *FAIL' build-sanitize/fuzz.out)
grep -q '^fuzz: .* 0 failed' build-sanitize/fuzz.out || fuzz_failed=$((fuzz_failed + 1))
export FTPSD_BIN="$top/build-sanitize/src/ftpsd"
for replay in tests/fuzz/crashes/session-*.json; do
	[ -f "$replay" ] || continue
	if python3 tests/fuzz/session-fuzz.py --replay "$replay" >build-sanitize/replay.out 2>&1; then
		echo "[fuzz] replay $replay: ok"
		fuzz_passed=$((fuzz_passed + 1))
	else
		tail -5 build-sanitize/replay.out
		echo "[fuzz] replay $replay: FAILED"
		fuzz_failed=$((fuzz_failed + 1))
	fi
done
seed=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "[session-fuzz] seed $seed (rerun: FUZZ_SEED=$seed sh tests/run-all.sh, or" \
	"python3 tests/fuzz/session-fuzz.py ${FUZZ_SESSIONS:-200} $seed)"
python3 tests/fuzz/session-fuzz.py --failures tests/fuzz/crashes "${FUZZ_SESSIONS:-200}" "$seed" \
	>build-sanitize/session-fuzz.out 2>&1
grep '^not ok\|^# \|^property ' build-sanitize/session-fuzz.out | sed 's/^/[session-fuzz] /'
# One check per property, over all sessions; no plan means it broke off.
fuzz_passed=$((fuzz_passed + $(grep -c '^property ok' build-sanitize/session-fuzz.out)))
fuzz_failed=$((fuzz_failed + $(grep -c '^property FAIL' build-sanitize/session-fuzz.out)))
grep -q '^1\.\.[1-9]' build-sanitize/session-fuzz.out || fuzz_failed=$((fuzz_failed + 1))
unset FTPSD_BIN

# Mutation runs (tests/mutate.py): each named way of breaking the server
# must make its tests fail; one check per mutation.
python3 tests/mutate.py >build-sanitize/mutate.out 2>&1
sed 's/^/[mutate] /' build-sanitize/mutate.out
mutate_passed=$(grep -c '^caught ' build-sanitize/mutate.out)
mutate_failed=$(grep -c '^MISSED \|^ERROR ' build-sanitize/mutate.out)
grep -q '^[0-9]* caught, [0-9]* missed' build-sanitize/mutate.out || mutate_failed=$((mutate_failed + 1))

# The benchmark's smoke run (bench/README): every server, ftpsd and its
# peers, answers every metric with tiny files. The numbers mean nothing.
if (cd build && make bench BENCH_ARGS=--smoke >bench-smoke.out 2>&1); then
	bench=ok
else
	bench=failed
	tail -30 build/bench-smoke.out
fi
echo "[build] make bench BENCH_ARGS=--smoke: $bench"

# The release tarball must build and pass on its own (make distcheck), as
# an unprivileged user, as a packager would run it: a throwaway account
# unpacks a copy of the tarball in a directory of its own. Its check runs
# the unit tests and one integration script: enough to prove the tarball
# complete; the full suite ran twice above.
run_distcheck() {
	dist_tests="$(cd build && make -s print-unit-tests) tests/integration/test-session.py"
	(cd build && make dist >dist.out 2>&1) || { tail -20 build/dist.out; return 1; }
	dc_user=ftpsddc$$
	dc_dir=$(mktemp -d /tmp/ftpsd-distcheck.XXXXXX) || return 1
	useradd --system --no-create-home --shell /usr/sbin/nologin "$dc_user" || return 1
	cp build/ftpsd-*.tar.gz "$dc_dir/" && chown -R "$dc_user:" "$dc_dir" && chmod 755 "$dc_dir"
	# shellcheck disable=SC2016
	runuser -u "$dc_user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
		HOME="$dc_dir" TMPDIR="$dc_dir" LANG=C.UTF-8 sh -c \
		'cd "$1" && tar xzf ftpsd-*.tar.gz && cd ftpsd-*/ && ./configure -q &&
		 make distcheck TESTS="$2"' sh "$dc_dir" "$dist_tests" >build/distcheck.out 2>&1
	dc_status=$?
	userdel "$dc_user" 2>/dev/null
	rm -rf "$dc_dir"
	return $dc_status
}
if run_distcheck; then
	distcheck=ok
else
	distcheck=failed
	tail -30 build/distcheck.out
fi
echo "[build] make distcheck (as an unprivileged user): $distcheck"

passed=$((fuzz_passed + mutate_passed))
failed=$((fuzz_failed + mutate_failed))
# A compiler warning (gcc for build, clang for build-sanitize) is a failure.
for dir in build build-sanitize; do
	if grep -h "warning:" "$dir/make.out" "$dir/check.out" 2>/dev/null; then
		echo "[$dir] compiler warnings above"
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
done
for result in "$distcheck" "$bench"; do
	if [ "$result" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
# The normal build: every assertion once.
log=build/check.out
if [ -f "$log" ]; then
	p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
	f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
	e=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
	x=$(sed -n 's/^# XPASS: *//p' "$log" | head -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${e:-0} + ${x:-0}))
	[ -n "$p" ] || failed=$((failed + 1))
else
	failed=$((failed + 1))
fi
# The sanitizer build: one check per script, from its .trs (the driver's
# verdict on the whole script). A script skipped as a whole counts in
# neither number; a build that failed is one failure.
san_passed=0
san_failed=0
if [ -f build-sanitize/check.out ]; then
	for trs in $(find build-sanitize/tests -name '*.trs' | sort); do
		case $(sed -n 's/^:global-test-result: *//p' "$trs") in
		PASS) san_passed=$((san_passed + 1)) ;;
		SKIP) ;;
		*)
			echo "[build-sanitize] failed: ${trs%.trs}"
			san_failed=$((san_failed + 1))
			;;
		esac
	done
	[ "$san_passed" -gt 0 ] || san_failed=$((san_failed + 1))
else
	san_failed=1
fi
echo "sanitizer build: $san_passed passed, $san_failed failed"
passed=$((passed + san_passed))
failed=$((failed + san_failed))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
