/* JSON key files: {"scheme":"ed25519","id":…,"public_key":…,"secret_seed":…}, created mode
 * 0600 and never overwritten, loaded with every field validated against the seed. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervm/crypto.h"

/* a key file this code writes (text[320]) is one it reads back (read_bounded fails at its cap) */
_Static_assert(320 < SVM_KEYFILE_BYTES_MAX, "written key files read back");
/* the secret key starts with the seed the file stores */
_Static_assert(SVM_ED25519_SEED_SIZE <= SVM_ED25519_SECRET_SIZE, "seed prefix");

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR) continue;
		if (w <= 0) return -1;
		SVM_ASSERT((size_t)w <= n);
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int svm_keyfile_write(const char *path, const svm_keypair_t *kp, svm_error_t *err)
{
	if (kp->scheme != SVM_SCHEME_ED25519)
		return svm_error_set(err, SVM_EUNSUPPORTED, "unknown key scheme %u", kp->scheme);
	char id[65], pk[65], seed[65], text[320];
	svm_hex_encode(id, kp->id.b, SVM_HASH_SIZE);
	svm_hex_encode(pk, kp->public_key, SVM_ED25519_PUBKEY_SIZE);
	svm_hex_encode(seed, kp->secret_key, SVM_ED25519_SEED_SIZE);
	int n = snprintf(text, sizeof text,
			 "{\"scheme\":\"ed25519\",\"id\":\"%s\",\"public_key\":\"%s\","
			 "\"secret_seed\":\"%s\"}\n",
			 id, pk, seed);
	sodium_memzero(seed, sizeof seed);
	/* the whole JSON, never cut: a cut file would be a key that never loads */
	SVM_ASSERT(n > 0 && (size_t)n < sizeof text);
	int rc = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = svm_error_set(err, errno == EEXIST ? SVM_EEXIST : SVM_EIO, "%s: %s", path,
				   strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) != 0 || write_all(fd, text, (size_t)n) != 0 || fsync(fd) != 0) {
		rc = svm_error_set(err, SVM_EIO, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		goto out;
	}
	if (close(fd) != 0) {
		rc = svm_error_set(err, SVM_EIO, "%s: %s", path, strerror(errno));
		unlink(path);
	}
out:
	sodium_memzero(text, sizeof text);
	return rc;
}

/* Reads the whole file into buf[cap] (bounded); returns its length or a negative error. */
static int read_bounded(const char *path, char *buf, size_t cap, size_t *len, svm_error_t *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return svm_error_set(err, SVM_EIO, "%s: %s", path, strerror(errno));
	size_t n = 0;
	for (;;) {
		SVM_ASSERT(n < cap); /* the read below has room */
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return svm_error_set(err, SVM_EIO, "%s: %s", path, strerror(e));
		}
		if (r == 0) break;
		n += (size_t)r;
		if (n == cap) {
			close(fd);
			return svm_error_set(err, SVM_ELIMIT, "%s: larger than %d bytes", path,
					     SVM_KEYFILE_BYTES_MAX);
		}
	}
	close(fd);
	*len = n;
	return 0;
}

/* Decodes field `name` of obj: a string of exactly 2*n hex digits. */
static int hex_field(json_t *obj, const char *name, uint8_t *out, size_t n, svm_error_t *err)
{
	json_t *v = json_object_get(obj, name);
	if (v == NULL) return svm_error_set(err, SVM_EDECODE, "key file: missing \"%s\"", name);
	const char *s = json_string_value(v);
	if (s == NULL) return svm_error_set(err, SVM_EDECODE, "key file: \"%s\" is not a string", name);
	if (strlen(s) != 2 * n)
		return svm_error_set(err, SVM_EDECODE, "key file: \"%s\" must be %zu hex digits, got %zu",
				     name, 2 * n, strlen(s));
	if (svm_hex_decode(out, n, s) != 0)
		return svm_error_set(err, SVM_EDECODE, "key file: \"%s\" is not hex", name);
	return 0;
}

static int parse_keyfile(json_t *root, svm_keypair_t *kp, svm_error_t *err)
{
	if (!json_is_object(root))
		return svm_error_set(err, SVM_EDECODE, "key file: not a JSON object");
	const char *key;
	json_t *val;
	json_object_foreach(root, key, val)
	{
		if (strcmp(key, "scheme") && strcmp(key, "id") && strcmp(key, "public_key") &&
		    strcmp(key, "secret_seed"))
			return svm_error_set(err, SVM_EDECODE, "key file: unknown field \"%s\"", key);
	}
	const char *scheme = json_string_value(json_object_get(root, "scheme"));
	if (scheme == NULL)
		return svm_error_set(err, SVM_EDECODE, "key file: missing string \"scheme\"");
	if (strcmp(scheme, "ed25519") != 0)
		return svm_error_set(err, SVM_EUNSUPPORTED, "key file: unknown scheme \"%s\"", scheme);
	uint8_t seed[SVM_ED25519_SEED_SIZE], pk[SVM_ED25519_PUBKEY_SIZE];
	svm_id_t id;
	int rc;
	if ((rc = hex_field(root, "secret_seed", seed, sizeof seed, err)) != 0) goto out;
	if ((rc = hex_field(root, "public_key", pk, sizeof pk, err)) != 0) goto out;
	if ((rc = hex_field(root, "id", id.b, sizeof id.b, err)) != 0) goto out;
	svm_keypair_from_seed(kp, seed);
	SVM_ASSERT(kp->scheme == SVM_SCHEME_ED25519);
	if (memcmp(pk, kp->public_key, sizeof pk) != 0) {
		rc = svm_error_set(err, SVM_EINVAL, "key file: public_key does not match secret_seed");
		goto out;
	}
	if (!svm_hash_eq(&id, &kp->id)) {
		rc = svm_error_set(err, SVM_EINVAL, "key file: id does not match public_key");
		goto out;
	}
out:
	sodium_memzero(seed, sizeof seed);
	if (rc != 0) svm_keypair_wipe(kp);
	return rc;
}

int svm_keyfile_read(const char *path, svm_keypair_t *kp, svm_error_t *err)
{
	char buf[SVM_KEYFILE_BYTES_MAX];
	size_t len = 0;
	json_t *root = NULL;
	int rc = read_bounded(path, buf, sizeof buf, &len, err);
	if (rc != 0) goto out;
	json_error_t jerr;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		rc = svm_error_set(err, SVM_EDECODE, "key file %s: line %d: %s", path, jerr.line,
				   jerr.text);
		goto out;
	}
	rc = parse_keyfile(root, kp, err);
out:
	json_decref(root);
	sodium_memzero(buf, sizeof buf);
	return rc;
}
