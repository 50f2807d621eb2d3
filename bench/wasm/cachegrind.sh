#!/usr/bin/env bash
# Repeatable companion to bench-wasm on a noisy machine: instruction counts under valgrind's
# cachegrind (no cache simulation), which do not move with machine load. Each count is a
# difference of whole runs of the harness, so it needs no knowledge of the VM's functions:
#   native(k)  = Ir(native run of k)                  - Ir(harness with no kernel)
#   svm(k, g)  = Ir(native + SuperVM run, gas g, in process) - Ir(native run of k)
# (callgrind is not used: it treats the interpreter's tail calls as calls and its shadow stack
# grows without bound.) Usage: cachegrind.sh HARNESS WASM_DIR [KERNEL...]
set -euo pipefail

harness=$1 wasm_dir=$2
shift 2
kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(sha256 fib sieve matmul coremark nn_int8)

# Valgrind 3.19 cannot read clang 14's DWARF 5; the counts need no debug info.
stripped=$(mktemp)
trap 'rm -f "$stripped"' EXIT
objcopy --strip-debug "$harness" "$stripped"
chmod +x "$stripped"

# Instructions executed by one harness run with the given arguments; 0 if the run failed.
ir() {
	local out
	out=$(valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
		"$stripped" --wasm-dir "$wasm_dir" --reps 1 --in-process "$@" 2>&1 >/dev/null) ||
		{ echo "cachegrind: harness failed: $*" >&2; echo 0; return; }
	awk '/I +refs:/ { gsub(",", "", $NF); print $NF }' <<<"$out"
}

base=$(ir --kernel none)
rows=""
for k in "${kernels[@]}"; do
	echo "cachegrind: $k" >&2
	nat=$(ir --kernel "$k" --runners native)
	on=$(ir --kernel "$k" --runners gas-on)
	off=$(ir --kernel "$k" --runners gas-off)
	rows+="$k $((nat - base)) $((on > 0 ? on - nat : 0)) $((off > 0 ? off - nat : 0))"$'\n'
done
printf '%-10s %14s %14s %14s %11s %11s %11s\n' kernel "native Minstr" "gas-on Minstr" \
	"gas-off Minstr" "on/native" "off/native" "metering %"
awk '
function na(x) { return x > 0 ? sprintf("%11.2f", x) : sprintf("%11s", "n/a") }
NF == 4 {
	on_x = $2 > 0 && $3 > 0 ? $3 / $2 : 0
	off_x = $2 > 0 && $4 > 0 ? $4 / $2 : 0
	m = $3 > 0 && $4 > 0 ? ($3 / $4 - 1) * 100 : 0
	printf "%-10s %14.1f %14.1f %14.1f %s %s %s\n", $1, $2 / 1e6, $3 / 1e6, $4 / 1e6, \
		na(on_x), na(off_x), na(m)
	if (on_x > 0) { lon += log(on_x); non++ }
	if (off_x > 0) { loff += log(off_x); noff++ }
	if (m != 0) { lm += log($3 / $4); nm++ }
}
END {
	printf "%-10s %14s %14s %14s %s %s %s\n", "geomean", "", "", "", \
		na(non ? exp(lon / non) : 0), na(noff ? exp(loff / noff) : 0), \
		na(nm ? (exp(lm / nm) - 1) * 100 : 0)
}' <<<"$rows"
