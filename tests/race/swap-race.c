/*
 * make check: the rooted writer never writes outside its root, however a
 * directory of the root changes while it runs (HACKING, Layers).
 *
 *   swap-race PCIPASS TREE DECOY ROUNDS
 *
 * TREE is a writable copy of a snapshot; DECOY a copy of its
 * sys/bus/pci/drivers outside it.  While
 * `pcipass --sysroot TREE unbind --force 01:00.0` runs, a child swaps
 * TREE/sys/bus/pci/drivers with a symlink to DECOY (renameat2
 * RENAME_EXCHANGE): in odd rounds once, right after the state record
 * appears (inotify: the moment the paths were checked and the writes are
 * about to start), in even rounds back and forth as fast as it can.  Afterwards the
 * tree is put back and its records removed for the next round.  Any
 * change to a file under DECOY fails the test: nothing pcipass resolved
 * may land outside the root, whichever way the race went.
 * Exit 0 clean, 1 something was written outside, 2 the test itself failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* A fingerprint of every file below dir: names, sizes and contents summed. */
static unsigned long long fingerprint(const char *dir, int depth)
{
	unsigned long long h = 1469598103934665603ull;
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d || depth > 8)
		return d ? (closedir(d), h) : 0;
	while ((de = readdir(d))) {
		char path[4096], buf[4096];
		struct stat st;

		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) < 0)
			continue;
		for (const char *p = de->d_name; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		if (S_ISDIR(st.st_mode)) {
			h += fingerprint(path, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			int fd = open(path, O_RDONLY | O_NONBLOCK);
			ssize_t n;

			h = (h ^ (unsigned long long)st.st_size) * 1099511628211ull;
			while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
				for (ssize_t i = 0; i < n; i++)
					h = (h ^ (unsigned char)buf[i]) * 1099511628211ull;
			if (fd >= 0)
				close(fd);
		}
	}
	closedir(d);
	return h;
}

static int exchange(const char *a, const char *b)
{
	return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

int main(int argc, char **argv)
{
	char victim[4096], link[4096], cmd[8192];
	unsigned long long before;
	int rounds;

	if (argc != 5) {
		fprintf(stderr, "usage: swap-race PCIPASS TREE DECOY ROUNDS\n");
		return 2;
	}
	rounds = atoi(argv[4]);
	snprintf(victim, sizeof(victim), "%s/sys/bus/pci/drivers", argv[2]);
	snprintf(link, sizeof(link), "%s/sys/bus/pci/.swap", argv[2]);
	unlink(link);
	if (symlink(argv[3], link) < 0) {
		perror("swap-race: symlink");
		return 2;
	}
	before = fingerprint(argv[3], 0);
	if (!before) {
		fprintf(stderr, "swap-race: %s: cannot read\n", argv[3]);
		return 2;
	}
	for (int r = 0; r < rounds; r++) {
		int ready[2];
		pid_t swapper, run;
		int status;
		struct stat st;

		if (pipe(ready) < 0)
			return 2;
		swapper = fork();
		if (swapper < 0)
			return 2;
		if (swapper > 0) {
			char c;

			if (read(ready[0], &c, 1) != 1)
				return 2;
		}
		if (swapper == 0 && r % 2) {
			char statedir[4096], buf[4096];
			int in = inotify_init();

			snprintf(statedir, sizeof(statedir), "%s/run/pcipass", argv[2]);
			snprintf(cmd, sizeof(cmd), "%s/run", argv[2]);
			mkdir(cmd, 0755);
			mkdir(statedir, 0755);
			if (in < 0 || inotify_add_watch(in, statedir, IN_MOVED_TO) < 0)
				_exit(2);
			write(ready[1], "", 1);
			for (;;) {
				ssize_t n = read(in, buf, sizeof(buf));

				if (n <= 0)
					_exit(2);
				for (char *p = buf; p < buf + n;) {
					struct inotify_event *e = (struct inotify_event *)p;

					if ((e->mask & IN_MOVED_TO) && e->len && e->name[0] != '.')
						_exit(exchange(victim, link) < 0 ? 2 : 0);
					p += sizeof(*e) + e->len;
				}
			}
		}
		if (swapper == 0) {
			write(ready[1], "", 1);
			/* Swap until killed; the parent puts the tree back. */
			for (;;) {
				if (exchange(victim, link) < 0)
					_exit(2);
			}
		}
		run = fork();
		if (run < 0)
			return 2;
		if (run == 0) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, 1);
			dup2(null, 2);
			execl(argv[1], argv[1], "--sysroot", argv[2], "unbind", "--force", "01:00.0", (char *)NULL);
			_exit(127);
		}
		waitpid(run, &status, 0);
		kill(swapper, SIGKILL);
		waitpid(swapper, NULL, 0);
		close(ready[0]);
		close(ready[1]);
		if (WIFSIGNALED(status)) {
			fprintf(stderr, "swap-race: round %d: pcipass died of signal %d\n", r, WTERMSIG(status));
			return 1;
		}
		/* Put the directory back if the swapper stopped mid-way. */
		if (lstat(victim, &st) == 0 && S_ISLNK(st.st_mode) && exchange(victim, link) < 0) {
			perror("swap-race: restore");
			return 2;
		}
		snprintf(cmd, sizeof(cmd), "rm -rf '%s/run/pcipass'", argv[2]);
		if (system(cmd) != 0)
			return 2;
		if (fingerprint(argv[3], 0) != before) {
			fprintf(stderr, "swap-race: round %d: a file outside the root changed\n", r);
			return 1;
		}
	}
	unlink(link);
	printf("swap-race: %d rounds, nothing written outside the root\n", rounds);
	return 0;
}
