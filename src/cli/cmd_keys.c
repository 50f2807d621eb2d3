/* `supervm keys new|show`: Ed25519 key files (JSON, mode 0600). */
#include "cli.h"

static int print_key(cli_args_t *a, const svm_keypair_t *kp, const char *path)
{
	char id[65], pk[65];
	svm_hash_hex(&kp->id, id);
	svm_hex_encode(pk, kp->public_key, sizeof kp->public_key);
	if (a->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "file", path, "scheme", "ed25519", "id", id,
				      "public_key", pk);
		cli_print_json(j);
		json_decref(j);
	} else {
		printf("id:         %s\npublic key: %s\nscheme:     ed25519\nfile:       %s\n", id, pk, path);
	}
	return 0;
}

int cli_cmd_keys_new(cli_args_t *a)
{
	const char *out = cli_opt(a, "out");
	if (out == NULL) return cli_fail(a, CLI_EXIT_USAGE, "--out FILE is required");
	if (svm_crypto_init() != 0) return cli_fail(a, CLI_EXIT_FAIL, "libsodium failed to initialise");
	svm_keypair_t kp;
	svm_keypair_random(&kp);
	svm_error_t err = {0};
	int rc = svm_keyfile_write(out, &kp, &err);
	if (rc == 0) rc = print_key(a, &kp, out);
	else rc = cli_fail(a, CLI_EXIT_FAIL, "%s", err.msg);
	svm_keypair_wipe(&kp);
	return rc;
}

int cli_cmd_keys_show(cli_args_t *a)
{
	if (svm_crypto_init() != 0) return cli_fail(a, CLI_EXIT_FAIL, "libsodium failed to initialise");
	svm_keypair_t kp;
	svm_error_t err = {0};
	if (svm_keyfile_read(a->pos[0], &kp, &err) != 0) return cli_fail(a, CLI_EXIT_FAIL, "%s", err.msg);
	int rc = print_key(a, &kp, a->pos[0]);
	svm_keypair_wipe(&kp);
	return rc;
}
