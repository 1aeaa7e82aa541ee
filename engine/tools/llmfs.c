/*
 * llmfs.c: 9front's llmfs (6.llmfs), the server core of llmfs/ behind a
 * Plan 9 main (docs/LLMFS.md):
 *   llmfs [-s SRVNAME | -a ADDR] [-m MODELSDIR]... [-l CTL]... [-t THREADS]
 * -s posts /srv/SRVNAME (default llm), for `mount /srv/llm /mnt/llm`, and
 * serves that one connection (the mount; exportfs or srv shares it on);
 * -a announces a dial string instead (tcp!*!564). -m names a folder `load`
 * may read from (repeatable); -l runs a server ctl command before serving
 * (`load MODEL TOKENIZER`, `pool-load NAME MODEL TOKENIZER`; repeatable).
 * As the classic file servers do, it returns once it serves, the server
 * going on in the background: the command's status says whether the
 * server started (a usage error "usage", any other failure "fail", with one
 * line on stderr). -a prints the address it announced (tcp!*!0 picks a port).
 */
#include "port/port.h"
#include "llmfs.h"

enum { ERRLEN = 512, MAXDIRS = 16, MAXCTL = 16 };

#define USAGE "llmfs [-s SRVNAME | -a ADDR] [-m MODELSDIR]... [-l CTL]... [-t THREADS]"

static void
fail(char *status, char *what, char *msg)
{
	fprint(2, "llmfs: %s: %s\n", what, msg);
	exits(status);
}

/* The child's word to the parent, which waits for it: "+ADDRESS" (serving)
 * or "-" and the error line. */
static void
report(int fd, char *msg)
{
	write(fd, msg, strlen(msg));
	close(fd);
}

void
main(int argc, char **argv)
{
	char *srvname = "llm", *addr = nil, *dirs[MAXDIRS], *ctls[MAXCTL];
	char err[ERRLEN], line[ERRLEN + 64], bound[256], buf[ERRLEN + 64];
	int ndirs = 0, nctls = 0, threads = 0, i, p[2], listener, n, got, show = 0;
	lf_limits lim;
	lf_server *s;

	nm_fp_ieee_mode();
	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-' || argv[i][1] == 0 || argv[i][2] != 0)
			fail("usage", argv[i], "unknown argument; usage: " USAGE);
		if (i + 1 >= argc)
			fail("usage", argv[i], "needs a value");
		switch (argv[i][1]) {
		case 's':
			srvname = argv[++i];
			if (srvname[0] == 0 || strchr(srvname, '/') != nil)
				fail("usage", "-s", "a name without '/'");
			break;
		case 'a':
			addr = argv[++i];
			show = 1;
			break;
		case 'm':
			if (ndirs == MAXDIRS)
				fail("usage", "-m", "too many folders");
			dirs[ndirs++] = argv[++i];
			break;
		case 'l':
			if (nctls == MAXCTL)
				fail("usage", "-l", "too many commands");
			ctls[nctls++] = argv[++i];
			break;
		case 't':
			threads = atoi(argv[++i]);
			if (threads < 1 || threads > 256)
				fail("usage", "-t", "must be 1..256");
			break;
		default:
			fail("usage", argv[i], "unknown option; usage: " USAGE);
		}
	}
	if (addr == nil) {
		if (strlen(srvname) > 200)
			fail("usage", "-s", "name too long");
		strcpy(bound, "srv!");
		strcat(bound, srvname);
		addr = bound;
	}

	/* Into the background first, before any thread or worker exists (on
	 * Plan 9 those are processes sharing this memory): the child does the
	 * rest and tells the parent through the pipe whether it serves. */
	if (pipe(p) < 0)
		fail("fail", "pipe", "cannot make one");
	n = rfork(RFPROC | RFFDG | RFNOTEG | RFNOWAIT);
	if (n < 0)
		fail("fail", "fork", "cannot start the server");
	if (n > 0) {
		close(p[1]);
		got = 0;
		while (got < (int)sizeof buf - 1 && (n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
			got += n;
		buf[got] = 0;
		if (got == 0)
			fail("fail", "llmfs", "the server ended before it served");
		if (buf[0] != '+') {
			fprint(2, "%s\n", buf + 1);
			exits("fail");
		}
		if (show)
			print("%s\n", buf + 1);
		exits(nil);
	}
	close(p[0]);
	/* Nothing holds the caller's input or output open (a `{...} or $(...)
	 * around the command would wait for the server's end); errors still go
	 * to fd 2. */
	n = open("/dev/null", ORDWR);
	if (n >= 0) {
		dup(n, 0);
		dup(n, 1);
		if (n > 1)
			close(n);
	}

	lf_limits_default(&lim);
	if (threads > 0)
		lim.threads = threads;
	s = lf_server_new(&lim, err, sizeof err);
	if (s == nil) {
		strcpy(line, "-llmfs: ");
		strcat(line, err);
		report(p[1], line);
		exits("fail");
	}
	for (i = 0; i < ndirs; i++)
		if (lf_server_allow(s, dirs[i], err, sizeof err) != 0) {
			strcpy(line, "-llmfs: -m: ");
			strcat(line, err);
			report(p[1], line);
			exits("fail");
		}
	for (i = 0; i < nctls; i++)
		if (lf_server_ctl(s, ctls[i], err, sizeof err) != 0) {
			strcpy(line, "-llmfs: -l: ");
			strcat(line, err);
			report(p[1], line);
			exits("fail");
		}
	listener = nm_announce(addr, err, sizeof err);
	if (listener < 0) {
		strcpy(line, "-llmfs: ");
		strcat(line, err);
		report(p[1], line);
		exits("fail");
	}
	line[0] = '+';
	if (nm_announced(listener, line + 1, sizeof line - 1) < 0)
		strcpy(line + 1, addr);
	report(p[1], line);
	if (lf_serve(s, listener, err, sizeof err) != 0) {
		fprint(2, "llmfs: %s\n", err);
		lf_server_free(s);
		exits("fail");
	}
	lf_server_free(s);
	exits(nil);
}
