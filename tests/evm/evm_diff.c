/* Differential fuzzing, SuperVM side: reads the lines bench/evm/difffuzz.mjs prints for
 * @ethereumjs/evm (index, code, status, execution gas before refunds, refund counter, return
 * data, log count, logs), runs each code in SuperVM's EVM in the same setting, and compares
 * every field. Prints each mismatch with its index (the seed and index replay it) and ends
 * with "evm-diff: N passed, N failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/evm.h"

#define LINE_BYTES_MAX (1u << 20)

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	if (h[0] == '0' && h[1] == 'x') h += 2;
	size_t n = strlen(h) / 2;
	if (n > cap) n = cap;
	for (size_t i = 0; i < n; i++) sscanf(h + 2 * i, "%2hhx", &out[i]);
	return n;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	strcpy(out, "0x");
	for (size_t i = 0; i < n; i++) sprintf(out + 2 + 2 * i, "%02x", b[i]);
}

static int check(char *line, int verbose)
{
	char *f[8];
	int n = 0;
	for (char *t = strtok(line, " \n"); t && n < 8; t = strtok(NULL, " \n")) f[n++] = t;
	if (n != 8) return -1;
	static uint8_t code[65536];
	static char buf[LINE_BYTES_MAX];
	size_t cl = unhex(f[1], code, sizeof code);
	svm_evm_state_t *s = svm_evm_state_new();
	svm_evm_addr_t c = {{0xcc}}, from = {{0xa0}};
	c.b[19] = 1;
	svm_u256_t one = {{1, 0, 0, 0}}, rich = {{1000000000000000000ull, 0, 0, 0}};
	svm_evm_state_set_account(s, &c, &one, 1, code, cl);
	svm_evm_state_set_account(s, &from, &rich, 0, NULL, 0);
	uint8_t data[34];
	unhex("0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0102", data, sizeof data);
	svm_evm_block_t blk = {0};
	blk.gas_limit = 30000000;
	blk.chain_id = 1;
	svm_evm_tx_t tx = {0};
	tx.from = from;
	tx.to = c;
	tx.data = data;
	tx.data_len = sizeof data;
	tx.gas_limit = 100000 + 21000;
	tx.gas_limit += svm_evm_intrinsic_gas(&tx) - 21000;
	svm_evm_result_t r;
	svm_error_t err = {0};
	int rc = svm_evm_apply_tx(s, &blk, &tx, &r, &err);
	int bad = 0;
	if (rc) {
		printf("%s: transaction rejected: %s\n", f[0], err.msg);
		svm_evm_state_free(s);
		return 1;
	}
	uint64_t exec_gas = r.gas_used + r.gas_refund - svm_evm_intrinsic_gas(&tx);
	if (r.status != atoi(f[2])) bad = printf("%s: status %d, reference %s\n", f[0], r.status, f[2]);
	if (exec_gas != strtoull(f[3], NULL, 10))
		bad = printf("%s: gas %llu, reference %s\n", f[0], (unsigned long long)exec_gas, f[3]);
	if (r.status && r.refund_counter != strtoll(f[4], NULL, 10))
		bad = printf("%s: refund %lld, reference %s\n", f[0], (long long)r.refund_counter, f[4]);
	if (r.output_len * 2 + 3 > sizeof buf) bad = printf("%s: output too long to compare\n", f[0]);
	else hex(buf, r.output, r.output_len);
	if (strcmp(buf, f[5])) bad = printf("%s: return data differs\n", f[0]);
	if ((int)r.n_logs != atoi(f[6])) bad = printf("%s: %zu logs, reference %s\n", f[0], r.n_logs, f[6]);
	/* logs: address:topic,topic:data;… */
	size_t k = 0;
	buf[0] = 0;
	for (size_t i = 0; i < r.n_logs; i++) {
		if (i) buf[k++] = ';';
		hex(buf + k, r.logs[i].address.b, 20);
		k = strlen(buf);
		buf[k++] = ':';
		for (int t = 0; t < r.logs[i].n_topics; t++) {
			if (t) buf[k++] = ',';
			hex(buf + k, r.logs[i].topics[t], 32);
			k = strlen(buf);
		}
		buf[k++] = ':';
		hex(buf + k, r.logs[i].data, r.logs[i].data_len);
		k = strlen(buf);
	}
	if (!r.n_logs) strcpy(buf, "-");
	if (strcmp(buf, f[7])) bad = printf("%s: logs differ\n", f[0]);
	if (bad && verbose) printf("   code %s (%s)\n", f[1], r.error);
	svm_evm_result_free(&r);
	svm_evm_state_free(s);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	int verbose = argc > 1 && !strcmp(argv[1], "-v");
	static char line[LINE_BYTES_MAX];
	int pass = 0, fail = 0;
	while (fgets(line, sizeof line, stdin)) {
		int rc = check(line, verbose);
		if (rc == 0) pass++;
		else fail++;
	}
	printf("evm-diff: %d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
