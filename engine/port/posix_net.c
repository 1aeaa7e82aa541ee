/*
 * posix_net.c: port.h's byte-stream servers on POSIX sockets. A listener
 * handle is the listening socket's descriptor, a connection handle the
 * accepted one's. Each listener is recorded (the address it bound, the
 * socket file it made) for nm_announced and nm_announce_close.
 */
#define _GNU_SOURCE	// NI_MAXHOST, accept4

#include "port/port.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SOCK_CLOEXEC
#define SOCK_CLOEXEC 0
#endif
/* A write to a peer that went away is EPIPE, not SIGPIPE: MSG_NOSIGNAL per
 * send (Linux, BSDs), else SO_NOSIGPIPE on the socket (macOS). */
#ifdef MSG_NOSIGNAL
#define SEND_FLAGS MSG_NOSIGNAL
#else
#define SEND_FLAGS 0
#endif

typedef struct listener {
	int fd;
	char *announced;	/* nm_announced's text */
	char *path;		/* unix!: the socket file bound, removed at close */
	dev_t dev;
	ino_t ino;
	struct listener *next;
} listener;

static pthread_mutex_t listeners_lock = PTHREAD_MUTEX_INITIALIZER;
static listener *listeners;

static void
no_sigpipe(int fd)
{
#ifdef SO_NOSIGPIPE
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#else
	(void)fd;
#endif
}

static int
new_socket(int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && SOCK_CLOEXEC == 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* Records a listening socket; -1 (fd closed, err set) when out of memory. */
static int
add_listener(int fd, const char *addr, const char *announced, const char *path, char *err, int errlen)
{
	listener *l = calloc(1, sizeof *l);
	struct stat st;

	if (l != NULL) {
		l->announced = strdup(announced);
		l->path = path != NULL ? strdup(path) : NULL;
	}
	if (l == NULL || l->announced == NULL || (path != NULL && l->path == NULL)) {
		if (l != NULL) {
			free(l->announced);
			free(l->path);
			free(l);
		}
		if (path != NULL)
			unlink(path);
		close(fd);
		snprintf(err, (size_t)errlen, "%s: out of memory", addr);
		return -1;
	}
	l->fd = fd;
	if (path != NULL && lstat(path, &st) == 0) {
		l->dev = st.st_dev;
		l->ino = st.st_ino;
	}
	pthread_mutex_lock(&listeners_lock);
	l->next = listeners;
	listeners = l;
	pthread_mutex_unlock(&listeners_lock);
	return fd;
}

/* PORT: decimal digits, 0..65535; -1 otherwise. */
static int
parse_port(const char *s)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return -1;
	}
	return (int)v;
}

static int
listen_tcp(const char *addr, const char *host, const char *portstr, char *err, int errlen)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	char numeric[NI_MAXHOST], port[NI_MAXSERV], announced[NI_MAXHOST + NI_MAXSERV + 8];
	int fd = -1, one = 1, zero = 0, rc, any = strcmp(host, "*") == 0;
	int p = parse_port(portstr);

	if (p < 0) {
		snprintf(err, (size_t)errlen, "%s: port '%s' is not a number from 0 to 65535", addr, portstr);
		return -1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if (any) {
		// Every interface: IPv6 with IPv4 mapped in, or IPv4 alone where
		// the host has no IPv6.
		hints.ai_family = AF_INET6;
		rc = getaddrinfo(NULL, portstr, &hints, &ai);
		if (rc == 0 && (fd = new_socket(AF_INET6)) < 0) {
			freeaddrinfo(ai);
			ai = NULL;
		}
		if (fd < 0) {
			hints.ai_family = AF_INET;
			rc = getaddrinfo(NULL, portstr, &hints, &ai);
		}
	} else {
		hints.ai_family = AF_UNSPEC;
		rc = getaddrinfo(strcmp(host, "localhost") == 0 ? "127.0.0.1" : host, portstr, &hints, &ai);
	}
	if (rc != 0) {
		if (rc == EAI_NONAME)
			snprintf(err, (size_t)errlen, "%s: unknown host '%s' (want a numeric IPv4 or IPv6 address, localhost or *)",
			         addr, host);
		else
			snprintf(err, (size_t)errlen, "%s: %s", addr, gai_strerror(rc));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd < 0 && (fd = new_socket(ai->ai_family)) < 0) {
		snprintf(err, (size_t)errlen, "%s: cannot make a socket (%s)", addr, strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ai->ai_family == AF_INET6 && any)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
		snprintf(err, (size_t)errlen, "%s: cannot listen (%s)", addr, strerror(errno));
		freeaddrinfo(ai);
		close(fd);
		return -1;
	}
	freeaddrinfo(ai);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, sslen, numeric, sizeof numeric, port, sizeof port,
	                NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(err, (size_t)errlen, "%s: cannot read the address bound (%s)", addr, strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(announced, sizeof announced, "tcp!%s!%s", any ? "*" : numeric, port);
	return add_listener(fd, addr, announced, NULL, err, errlen);
}

/* 1 if a server accepts connections on the socket file at path. */
static int
socket_alive(const struct sockaddr_un *sa)
{
	int fd = new_socket(AF_UNIX), rc;

	if (fd < 0)
		return 0;
	do
		rc = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
	while (rc != 0 && errno == EINTR);
	close(fd);
	return rc == 0;
}

static int
listen_unix(const char *addr, const char *path, char *err, int errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	size_t n = strlen(path);
	int fd;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (n == 0) {
		snprintf(err, (size_t)errlen, "%s: want unix!PATH", addr);
		return -1;
	}
	if (n >= sizeof sa.sun_path) {
		snprintf(err, (size_t)errlen, "%s: path too long for a socket (%zu bytes, at most %zu)", addr, n,
		         sizeof sa.sun_path - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, n);
	if ((fd = new_socket(AF_UNIX)) < 0) {
		snprintf(err, (size_t)errlen, "%s: cannot make a socket (%s)", addr, strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		int e = errno;
		// Only a socket file nobody listens on (a server that died) is
		// replaced; any other file stays.
		if (e != EADDRINUSE || lstat(path, &st) != 0) {
			snprintf(err, (size_t)errlen, "%s: cannot listen (%s)", addr, strerror(e));
			close(fd);
			return -1;
		}
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, (size_t)errlen, "%s: a file that is not a socket is there (not replaced)", addr);
			close(fd);
			return -1;
		}
		if (socket_alive(&sa)) {
			snprintf(err, (size_t)errlen, "%s: a server already listens there", addr);
			close(fd);
			return -1;
		}
		if ((unlink(path) != 0 && errno != ENOENT) || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
			snprintf(err, (size_t)errlen, "%s: cannot replace the stale socket (%s)", addr, strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (listen(fd, SOMAXCONN) != 0) {
		snprintf(err, (size_t)errlen, "%s: cannot listen (%s)", addr, strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	return add_listener(fd, addr, addr, path, err, errlen);
}

int
nm_announce(const char *addr, char *err, int errlen)
{
	char buf[1024], *host, *port;

	if (strlen(addr) >= sizeof buf) {
		snprintf(err, (size_t)errlen, "%.60s...: address too long", addr);
		return -1;
	}
	strcpy(buf, addr);
	if (strncmp(buf, "unix!", 5) == 0)
		return listen_unix(addr, buf + 5, err, errlen);
	if (strncmp(buf, "tcp!", 4) == 0) {
		host = buf + 4;
		port = strchr(host, '!');
		if (port == NULL || port == host || strchr(port + 1, '!') != NULL) {
			snprintf(err, (size_t)errlen, "%s: want tcp!HOST!PORT", addr);
			return -1;
		}
		*port++ = '\0';
		return listen_tcp(addr, host, port, err, errlen);
	}
	host = strchr(buf, '!');
	if (host != NULL)
		*host = '\0';
	snprintf(err, (size_t)errlen, "%s: unknown network '%s' (want tcp!HOST!PORT or unix!PATH)", addr, buf);
	return -1;
}

int
nm_announced(int fd, char *out, int cap)
{
	listener *l;
	int rc = -1;

	pthread_mutex_lock(&listeners_lock);
	for (l = listeners; l != NULL; l = l->next)
		if (l->fd == fd) {
			if (cap > 0 && strlen(l->announced) < (size_t)cap) {
				strcpy(out, l->announced);
				rc = 0;
			}
			break;
		}
	pthread_mutex_unlock(&listeners_lock);
	return rc;
}

int
nm_accept(int fd, char *err, int errlen)
{
	char name[256] = "listener";
	int c, one = 1;

	for (;;) {
#ifdef __linux__
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
#else
		c = accept(fd, NULL, NULL);
		if (c >= 0)
			fcntl(c, F_SETFD, FD_CLOEXEC);
#endif
		if (c >= 0)
			break;
		// A connection reset before it was accepted is not the listener's failure.
		if (errno != EINTR && errno != ECONNABORTED) {
			int e = errno;
			nm_announced(fd, name, sizeof name);
			snprintf(err, (size_t)errlen, "%s: cannot accept (%s)", name, strerror(e));
			return -1;
		}
	}
	no_sigpipe(c);
	// 9P is request and reply: send each reply now (fails harmlessly on unix!).
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return c;
}

long
nm_conn_read(int conn, void *buf, long n)
{
	ssize_t got;

	do
		got = read(conn, buf, (size_t)n);
	while (got < 0 && errno == EINTR);
	return got < 0 ? -1 : (long)got;
}

long
nm_conn_write(int conn, const void *buf, long n)
{
	const char *p = buf;
	long done = 0;

	while (done < n) {
		ssize_t w = send(conn, p + done, (size_t)(n - done), SEND_FLAGS);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		done += (long)w;
	}
	return n;
}

void
nm_conn_shutdown(int conn)
{
	shutdown(conn, SHUT_RDWR);
}

void
nm_conn_close(int conn)
{
	close(conn);
}

void
nm_announce_close(int fd)
{
	listener **pp, *l = NULL;
	struct stat st;

	pthread_mutex_lock(&listeners_lock);
	for (pp = &listeners; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->fd == fd) {
			l = *pp;
			*pp = l->next;
			break;
		}
	pthread_mutex_unlock(&listeners_lock);
	if (l == NULL)
		return;
	// shutdown first: on Linux it wakes a thread blocked in accept.
	shutdown(fd, SHUT_RDWR);
	close(fd);
	// Remove the socket file only if it is still the one bound here.
	if (l->path != NULL && lstat(l->path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
	free(l->announced);
	free(l->path);
	free(l);
}
