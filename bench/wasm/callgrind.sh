#!/usr/bin/env bash
# Repeatable companion to bench-wasm on a noisy machine: counts the instructions executed
# inside each kernel call under valgrind's callgrind (native: bench_<kernel>; SuperVM:
# svm_wasm_call, with gas metering on and off) and prints the ratios with geometric means.
# Usage: callgrind.sh HARNESS WASM_DIR [KERNEL...]   (default: every kernel the harness knows)
set -euo pipefail

harness=$1 wasm_dir=$2
shift 2
# Valgrind 3.19 cannot read clang 14's DWARF 5; symbols are all callgrind needs here.
stripped=$(mktemp)
trap 'rm -f "$stripped"' EXIT
objcopy --strip-debug "$harness" "$stripped"
chmod +x "$stripped"
kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(sha256 fib sieve matmul coremark nn_int8)

# Instructions collected while inside function $2 when the harness runs kernel $3 with runner $1.
count() {
	local out
	out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="$2" \
		"$stripped" --wasm-dir "$wasm_dir" --kernel "$3" --runners "$1" --reps 1 \
		--timeout 3600 2>&1 >/dev/null) || { echo "callgrind: $3 under $1 failed" >&2; }
	awk '/Collected :/ { s += $NF } END { print s + 0 }' <<<"$out"
}

printf '%-10s %14s %14s %14s %11s %11s %11s\n' kernel "native Minstr" "gas-on Minstr" \
	"gas-off Minstr" "on/native" "off/native" "metering %"
rows=""
for k in "${kernels[@]}"; do
	echo "callgrind: $k" >&2
	n=$(count native "bench_$k" "$k")
	on=$(count gas-on svm_wasm_call "$k")
	off=$(count gas-off svm_wasm_call "$k")
	rows+="$k $n $on $off"$'\n'
done
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
