/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privs.h"
#include "util.h"
#include "banned.h"

int account_lookup(const char *name, struct account *ret)
{
	struct passwd *pw;
	int n = ACCOUNT_MAX_GROUPS;

	memset(ret, 0, sizeof(*ret));
	errno = 0;
	pw = getpwnam(name);
	if (!pw)
		return errno ? -errno : -ENOENT;
	if (copy_string(ret->name, sizeof(ret->name), pw->pw_name) < 0 ||
	    copy_string(ret->home, sizeof(ret->home), pw->pw_dir) < 0 ||
	    copy_string(ret->shell, sizeof(ret->shell), pw->pw_shell ? pw->pw_shell : "") < 0)
		return -ENAMETOOLONG;
	ret->uid = pw->pw_uid;
	ret->gid = pw->pw_gid;
	if (getgrouplist(pw->pw_name, pw->pw_gid, ret->groups, &n) < 0)
		return -E2BIG;
	ret->ngroups = n;
	return 0;
}

bool privs_are_root(void)
{
	return geteuid() == 0 || getuid() == 0;
}

static int capget_all(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return syscall(SYS_capget, &hdr, data) < 0 ? -errno : 0;
}

static int capset_all(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

static bool kept(int cap, bool keep_for_login)
{
	return keep_for_login && (cap == CAP_SETUID || cap == CAP_SETGID ||
				  cap == CAP_SYS_CHROOT || cap == CAP_DAC_READ_SEARCH);
}

int privs_limit(bool keep_for_login)
{
	struct __user_cap_data_struct data[2];
	int r;

	/* Nothing this process executes may gain privileges (it executes
	 * nothing; this makes sure of it). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (!privs_are_root())
		return 0;
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	r = capget_all(data);
	if (r < 0)
		return r;
	/* The bounding set is emptied (that needs CAP_SETPCAP; under a unit
	 * whose CapabilityBoundingSet= lacks it, systemd has already bounded
	 * it): it only limits what could be gained later, and nothing is to
	 * be gained. What a login needs stays permitted and effective, as far
	 * as we have it. */
	if (data[CAP_SETPCAP / 32].effective & (1u << (CAP_SETPCAP % 32)))
		for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
				return -errno;
	for (int i = 0; i < 2; i++) {
		uint32_t had = data[i].permitted;

		data[i].effective = data[i].permitted = data[i].inheritable = 0;
		for (int bit = 0; bit < 32; bit++)
			if ((had & (1u << bit)) && kept(i * 32 + bit, keep_for_login))
				data[i].permitted |= 1u << bit;
		data[i].effective = data[i].permitted;
	}
	return capset_all(data);
}

/* After the switch: no way back to root, and nothing left to use. */
static int verify_dropped(const struct account *a)
{
	struct __user_cap_data_struct data[2];
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		return -EPERM;
	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0)
		return -errno;
	if (ruid != a->uid || euid != a->uid || suid != a->uid || rgid != a->gid ||
	    egid != a->gid || sgid != a->gid)
		return -EPERM;
	if (capget_all(data) < 0)
		return -EPERM;
	for (int i = 0; i < 2; i++)
		if (data[i].effective || data[i].permitted || data[i].inheritable)
			return -EPERM;
	return 0;
}

int privs_become(const struct account *a, bool chroot_home, int *ret_root_fd)
{
	int fd = -1;

	if (a->uid == 0)
		return -EPERM;
	if (chroot_home) {
		/* A missing or unusable home is the account's problem, found
		 * before anything changed: not -EPERM, the session can go on. */
		if (chdir(a->home) < 0)
			return errno == EPERM ? -EACCES : -errno;
		if (chroot(".") < 0)
			return -EPERM;
		fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -EPERM;
	}
	if (setgroups((size_t)a->ngroups, a->groups) < 0 || setresgid(a->gid, a->gid, a->gid) < 0 ||
	    setresuid(a->uid, a->uid, a->uid) < 0 || verify_dropped(a) < 0) {
		if (fd >= 0)
			close(fd);
		return -EPERM;
	}
	if (ret_root_fd)
		*ret_root_fd = fd;
	return 0;
}

bool privs_have_chown(void)
{
	struct __user_cap_data_struct data[2];

	return capget_all(data) == 0 && (data[0].permitted & (1u << CAP_CHOWN));
}

/* The owner helper's credentials (owner.c): a's uid and gid, no groups,
 * and of all capabilities only CAP_CHOWN, also in the bounding set.
 * Called as root. 0 or -errno. */
int privs_chown_only(const struct account *a)
{
	struct __user_cap_data_struct data[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
	uid_t ruid, euid, suid;

	if (a->uid == 0 || !privs_have_chown())
		return -EPERM;
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* As in privs_limit(): without CAP_SETPCAP, systemd has bounded the
	 * set already. */
	if (capget_all(data) == 0 && (data[CAP_SETPCAP / 32].effective & (1u << (CAP_SETPCAP % 32))))
		for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
			if (cap != CAP_CHOWN && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
				return -errno;
	memset(data, 0, sizeof(data));
	/* Keeps the permitted set across the change of uid; capset() then
	 * narrows it to CAP_CHOWN. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(0, NULL) < 0 ||
	    setresgid(a->gid, a->gid, a->gid) < 0 || setresuid(a->uid, a->uid, a->uid) < 0)
		return -errno;
	data[0].permitted = data[0].effective = 1u << CAP_CHOWN;
	if (capset_all(data) < 0 || prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -EPERM;
	if (getresuid(&ruid, &euid, &suid) < 0 || ruid != a->uid || euid != a->uid || suid != a->uid ||
	    setuid(0) == 0)
		return -EPERM;
	return 0;
}
