/* SPDX-License-Identifier: ISC */
/* The options field of the users file: every key, every error, and the
 * from= address match. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "tap.h"
#include "user_options.h"

#define S(x) x, sizeof(x) - 1
#define KNOWN "unknown option; known: read-only, write, upload-only, cert-only, umask=, " \
	"rate-down=, rate-up=, quota-bytes=, quota-files=, from="
#define RATE "expected bytes per second, at least 1, with an optional K, M or G"
#define BYTES "expected a size of at least 1 byte, with an optional K, M or G"
#define COUNT "expected a number of files, at least 1"
#define UMASK "expected an octal mask such as 027"
#define NET "expected an IPv4 or IPv6 address, or a network such as 192.0.2.0/24 " \
	"with no bits set past the prefix"

/* What a good field sets; fields not named stay zero. */
struct want {
	enum user_write write;
	bool upload_only, cert_only, has_umask;
	mode_t umask;
	uint64_t rate_down, rate_up, quota_bytes, quota_files;
	unsigned n_from;
};

static const struct {
	const char *p;
	size_t len;
	int ret;
	struct want w;       /* for 0 */
	const char *why;     /* for -EINVAL */
} cases[] = {
	/* No options. */
	{ S(""), 0, { 0 }, NULL },
	/* Each key. */
	{ S("read-only"), 0, { .write = USER_WRITE_NO }, NULL },
	{ S("write"), 0, { .write = USER_WRITE_YES }, NULL },
	{ S("upload-only"), 0, { .upload_only = true }, NULL },
	{ S("upload-only,write"), 0, { .upload_only = true, .write = USER_WRITE_YES }, NULL },
	{ S("cert-only"), 0, { .cert_only = true }, NULL },
	{ S("umask=027"), 0, { .has_umask = true, .umask = 027 }, NULL },
	{ S("umask=0"), 0, { .has_umask = true, .umask = 0 }, NULL },
	{ S("umask=0777"), 0, { .has_umask = true, .umask = 0777 }, NULL },
	{ S("rate-down=1"), 0, { .rate_down = 1 }, NULL },
	{ S("rate-down=100K"), 0, { .rate_down = 100 << 10 }, NULL },
	{ S("rate-down=1M"), 0, { .rate_down = 1 << 20 }, NULL },
	{ S("rate-up=2G"), 0, { .rate_up = 2ULL << 30 }, NULL },
	{ S("rate-up=999999999999999"), 0, { .rate_up = 999999999999999ULL }, NULL },
	{ S("quota-bytes=10G"), 0, { .quota_bytes = 10ULL << 30 }, NULL },
	{ S("quota-bytes=4096"), 0, { .quota_bytes = 4096 }, NULL },
	{ S("quota-files=100"), 0, { .quota_files = 100 }, NULL },
	{ S("from=192.0.2.1"), 0, { .n_from = 1 }, NULL },
	{ S("from=192.0.2.0/24,from=2001:db8::/32,from=::1"), 0, { .n_from = 3 }, NULL },
	{ S("from=0.0.0.0/0"), 0, { .n_from = 1 }, NULL },
	{ S("read-only,cert-only,umask=077,rate-down=1M,from=10.0.0.0/8"), 0,
	  { .write = USER_WRITE_NO, .cert_only = true, .has_umask = true, .umask = 077,
	    .rate_down = 1 << 20, .n_from = 1 }, NULL },
	{ S("write,rate-up=5K,quota-bytes=1M,quota-files=3"), 0,
	  { .write = USER_WRITE_YES, .rate_up = 5 << 10, .quota_bytes = 1 << 20, .quota_files = 3 }, NULL },
	{ "read-only,garbage", 9, 0, { .write = USER_WRITE_NO }, NULL },   /* len, not strlen */

	/* Unknown keys, including near misses and other spellings. */
	{ S("readonly"), -EINVAL, { 0 }, "option \"readonly\": " KNOWN },
	{ S("Read-Only"), -EINVAL, { 0 }, "option \"Read-Only\": " KNOWN },
	{ S("read-only "), -EINVAL, { 0 }, "option \"read-only \": " KNOWN },
	{ S(" write"), -EINVAL, { 0 }, "option \" write\": " KNOWN },
	{ S("rate=1M"), -EINVAL, { 0 }, "option \"rate=1M\": " KNOWN },
	{ S("=1"), -EINVAL, { 0 }, "option \"=1\": " KNOWN },
	{ S("write,admin"), -EINVAL, { 0 }, "option \"admin\": " KNOWN },
	/* Empty elements. */
	{ S(","), -EINVAL, { 0 }, "option \"\": empty option (two commas, or a comma at an end)" },
	{ S("write,"), -EINVAL, { 0 }, "option \"\": empty option (two commas, or a comma at an end)" },
	{ S(",write"), -EINVAL, { 0 }, "option \"\": empty option (two commas, or a comma at an end)" },
	{ S("write,,cert-only"), -EINVAL, { 0 }, "option \"\": empty option (two commas, or a comma at an end)" },
	/* Values where none belongs, none where one does. */
	{ S("read-only=1"), -EINVAL, { 0 }, "option \"read-only=1\": takes no value" },
	{ S("write="), -EINVAL, { 0 }, "option \"write=\": takes no value" },
	{ S("upload-only=yes"), -EINVAL, { 0 }, "option \"upload-only=yes\": takes no value" },
	{ S("cert-only=1"), -EINVAL, { 0 }, "option \"cert-only=1\": takes no value" },
	{ S("umask"), -EINVAL, { 0 }, "option \"umask\": needs a value" },
	{ S("rate-down"), -EINVAL, { 0 }, "option \"rate-down\": needs a value" },
	{ S("rate-up"), -EINVAL, { 0 }, "option \"rate-up\": needs a value" },
	{ S("quota-bytes"), -EINVAL, { 0 }, "option \"quota-bytes\": needs a value" },
	{ S("quota-files"), -EINVAL, { 0 }, "option \"quota-files\": needs a value" },
	{ S("from"), -EINVAL, { 0 }, "option \"from\": needs a value" },
	/* Bad values. */
	{ S("umask="), -EINVAL, { 0 }, "option \"umask=\": " UMASK },
	{ S("umask=8"), -EINVAL, { 0 }, "option \"umask=8\": " UMASK },
	{ S("umask=01777"), -EINVAL, { 0 }, "option \"umask=01777\": " UMASK },
	{ S("umask=00777"), -EINVAL, { 0 }, "option \"umask=00777\": " UMASK },
	{ S("umask=-22"), -EINVAL, { 0 }, "option \"umask=-22\": " UMASK },
	{ S("rate-down="), -EINVAL, { 0 }, "option \"rate-down=\": " RATE },
	{ S("rate-down=0"), -EINVAL, { 0 }, "option \"rate-down=0\": " RATE },
	{ S("rate-down=0K"), -EINVAL, { 0 }, "option \"rate-down=0K\": " RATE },
	{ S("rate-down=1m"), -EINVAL, { 0 }, "option \"rate-down=1m\": " RATE },
	{ S("rate-down=1T"), -EINVAL, { 0 }, "option \"rate-down=1T\": " RATE },
	{ S("rate-down=1MB"), -EINVAL, { 0 }, "option \"rate-down=1MB\": " RATE },
	{ S("rate-down=M"), -EINVAL, { 0 }, "option \"rate-down=M\": " RATE },
	{ S("rate-down=1.5M"), -EINVAL, { 0 }, "option \"rate-down=1.5M\": " RATE },
	{ S("rate-down=-1"), -EINVAL, { 0 }, "option \"rate-down=-1\": " RATE },
	{ S("rate-up=1000000000000000"), -EINVAL, { 0 }, "option \"rate-up=1000000000000000\": " RATE },
	{ S("quota-bytes=0"), -EINVAL, { 0 }, "option \"quota-bytes=0\": " BYTES },
	{ S("quota-bytes=1X"), -EINVAL, { 0 }, "option \"quota-bytes=1X\": " BYTES },
	{ S("quota-files=0"), -EINVAL, { 0 }, "option \"quota-files=0\": " COUNT },
	{ S("quota-files=1K"), -EINVAL, { 0 }, "option \"quota-files=1K\": " COUNT },
	{ S("quota-files=ten"), -EINVAL, { 0 }, "option \"quota-files=ten\": " COUNT },
	{ S("from="), -EINVAL, { 0 }, "option \"from=\": " NET },
	{ S("from=192.0.2"), -EINVAL, { 0 }, "option \"from=192.0.2\": " NET },
	{ S("from=192.0.2.256"), -EINVAL, { 0 }, "option \"from=192.0.2.256\": " NET },
	{ S("from=192.0.2.1/24"), -EINVAL, { 0 }, "option \"from=192.0.2.1/24\": " NET },
	{ S("from=192.0.2.0/33"), -EINVAL, { 0 }, "option \"from=192.0.2.0/33\": " NET },
	{ S("from=192.0.2.0/"), -EINVAL, { 0 }, "option \"from=192.0.2.0/\": " NET },
	{ S("from=192.0.2.0/024"), -EINVAL, { 0 }, "option \"from=192.0.2.0/024\": " NET },
	{ S("from=192.0.2.0/2x"), -EINVAL, { 0 }, "option \"from=192.0.2.0/2x\": " NET },
	{ S("from=2001:db8::1/32"), -EINVAL, { 0 }, "option \"from=2001:db8::1/32\": " NET },
	{ S("from=2001:db8::/129"), -EINVAL, { 0 }, "option \"from=2001:db8::/129\": " NET },
	{ S("from=localhost"), -EINVAL, { 0 }, "option \"from=localhost\": " NET },
	{ S("from=/8"), -EINVAL, { 0 }, "option \"from=/8\": " NET },
	{ S("from=192.0.2.1 192.0.2.2"), -EINVAL, { 0 }, "option \"from=192.0.2.1 192.0.2.2\": " NET },
	{ S("from=1.1.1.1,from=1.1.1.2,from=1.1.1.3,from=1.1.1.4,from=1.1.1.5,from=1.1.1.6,"
	    "from=1.1.1.7,from=1.1.1.8,from=1.1.1.9,from=1.1.1.10,from=1.1.1.11,from=1.1.1.12,"
	    "from=1.1.1.13,from=1.1.1.14,from=1.1.1.15,from=1.1.1.16,from=1.1.1.17"), -EINVAL, { 0 },
	  "option \"from=1.1.1.17\": more than 16 from= networks" },
	/* Keys given twice. */
	{ S("write,write"), -EINVAL, { 0 }, "option \"write\": given twice" },
	{ S("umask=022,umask=077"), -EINVAL, { 0 }, "option \"umask=077\": given twice" },
	{ S("rate-down=1M,rate-down=2M"), -EINVAL, { 0 }, "option \"rate-down=2M\": given twice" },
	{ S("quota-files=1,quota-files=1"), -EINVAL, { 0 }, "option \"quota-files=1\": given twice" },
	/* Contradictions. */
	{ S("read-only,write"), -EINVAL, { 0 }, "options read-only and write contradict each other" },
	{ S("write,cert-only,read-only"), -EINVAL, { 0 }, "options read-only and write contradict each other" },
	{ S("upload-only,read-only"), -EINVAL, { 0 },
	  "options read-only and upload-only contradict each other (an upload-only user stores files)" },
	/* A long element is quoted in part. */
	{ S("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), -EINVAL, { 0 },
	  "option \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\": " KNOWN },
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct user_options o;
		char why[USER_OPTIONS_WHY_MAX];
		int r;

		memset(&o, 0x5a, sizeof(o));
		memset(why, 'Z', sizeof(why));
		r = user_options_parse(cases[i].p, cases[i].len, &o, why, sizeof(why));
		is_int(r, cases[i].ret, "'%.*s': result", (int)cases[i].len, cases[i].p);
		if (cases[i].ret == 0) {
			const struct want *w = &cases[i].w;

			ok(o.write == w->write && o.upload_only == w->upload_only &&
			   o.cert_only == w->cert_only && o.has_umask == w->has_umask &&
			   o.umask == w->umask && o.rate_down == w->rate_down && o.rate_up == w->rate_up &&
			   o.quota_bytes == w->quota_bytes && o.quota_files == w->quota_files &&
			   o.n_from == w->n_from,
			   "'%.*s': values", (int)cases[i].len, cases[i].p);
			is_str(why, "", "'%.*s': no message", (int)cases[i].len, cases[i].p);
		} else {
			is_str(why, cases[i].why, "'%.*s': message", (int)cases[i].len, cases[i].p);
			ok(o.n_from == 0 && o.write == USER_WRITE_DEFAULT && !o.upload_only && !o.cert_only,
			   "'%.*s': nothing half-set", (int)cases[i].len, cases[i].p);
		}
	}
}

/* A message is cut to the buffer it gets, NUL-terminated. */
static void test_small_buffer(void)
{
	struct user_options o;
	char why[8];

	is_int(user_options_parse(S("bogus"), &o, why, sizeof(why)), -EINVAL, "small buffer: result");
	is_str(why, "option ", "small buffer: message cut and terminated");
}

static struct sockaddr_storage addr(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':')) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

		a6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, text, &a6->sin6_addr);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;

		a4->sin_family = AF_INET;
		inet_pton(AF_INET, text, &a4->sin_addr);
	}
	return ss;
}

static const struct {
	const char *options, *peer;
	bool allowed;
} from_cases[] = {
	{ "", "198.51.100.7", true },
	{ "write", "::1", true },
	{ "from=127.0.0.1", "127.0.0.1", true },
	{ "from=127.0.0.1", "127.0.0.2", false },
	{ "from=127.0.0.1", "::ffff:127.0.0.1", true },   /* IPv4-mapped counts as IPv4 */
	{ "from=127.0.0.1", "::ffff:127.0.0.2", false },
	{ "from=127.0.0.1", "::1", false },
	{ "from=192.0.2.0/24", "192.0.2.255", true },
	{ "from=192.0.2.0/24", "192.0.3.0", false },
	{ "from=192.0.2.128/25", "192.0.2.127", false },
	{ "from=192.0.2.128/25", "192.0.2.128", true },
	{ "from=10.0.0.0/9", "10.127.255.255", true },
	{ "from=10.0.0.0/9", "10.128.0.0", false },
	{ "from=0.0.0.0/0", "203.0.113.9", true },
	{ "from=0.0.0.0/0", "2001:db8::1", false },
	{ "from=2001:db8::/32", "2001:db8:ffff::1", true },
	{ "from=2001:db8::/32", "2001:db9::1", false },
	{ "from=2001:db8::/33", "2001:db8:8000::", false },
	{ "from=2001:db8::/33", "2001:db8:7fff::", true },
	{ "from=::1", "::1", true },
	{ "from=::1", "127.0.0.1", false },
	{ "from=192.0.2.1,from=::1,from=10.0.0.0/8", "10.1.2.3", true },
	{ "from=192.0.2.1,from=::1,from=10.0.0.0/8", "11.1.2.3", false },
};

static void test_from(void)
{
	for (size_t i = 0; i < sizeof(from_cases) / sizeof(from_cases[0]); i++) {
		struct user_options o;
		struct sockaddr_storage ss = addr(from_cases[i].peer);
		char why[USER_OPTIONS_WHY_MAX];

		if (user_options_parse(from_cases[i].options, strlen(from_cases[i].options), &o, why,
				       sizeof(why)) < 0) {
			ok(false, "'%s': parses (%s)", from_cases[i].options, why);
			continue;
		}
		is_int(user_options_from_allows(&o, (struct sockaddr *)&ss), from_cases[i].allowed,
		       "'%s' from %s", from_cases[i].options, from_cases[i].peer);
	}
	/* Neither IPv4 nor IPv6 (a UNIX socket, say) never matches a from=. */
	{
		struct user_options o;
		struct sockaddr_storage ss = { .ss_family = AF_UNIX };
		char why[USER_OPTIONS_WHY_MAX];

		user_options_parse(S("from=0.0.0.0/0"), &o, why, sizeof(why));
		is_int(user_options_from_allows(&o, (struct sockaddr *)&ss), false, "AF_UNIX peer with from=");
	}
}

int main(void)
{
	test_parse();
	test_small_buffer();
	test_from();
	return done_testing();
}
