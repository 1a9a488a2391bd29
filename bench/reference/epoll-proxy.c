/*
 * The floor of a hop: the least a user-space TCP proxy can do on this machine. One thread, one
 * epoll set, one read and one write per chunk, no toxics, no API. Scenarios 2 and 3 run it beside
 * the real targets in the same rounds, so what it adds shows how much of a proxy's cost is the
 * kernel and the scheduler (one more process to wake twice per round trip, and to share two
 * cores with the load tool and the upstream) rather than the proxy's own code. It serves small
 * messages and 1 KiB HTTP responses; it is not a proxy to use (a full socket buffer is retried
 * at once rather than waited for).
 *
 * Usage: epoll-proxy LISTEN_PORT UPSTREAM_PORT (both on 127.0.0.1). Prints {"port":N} when ready.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FD 65536

static int peer[MAX_FD];

static void tune(int fd) {
  int one = 1;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static void watch(int ep, int fd) {
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static void drop(int fd) {
  int other = peer[fd];
  close(fd);
  close(other);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: epoll-proxy LISTEN_PORT UPSTREAM_PORT\n");
    return 2;
  }
  struct sockaddr_in listen_at = loopback(atoi(argv[1]));
  struct sockaddr_in upstream_at = loopback(atoi(argv[2]));
  int one = 1;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listener, (struct sockaddr *)&listen_at, sizeof listen_at) != 0 || listen(listener, 4096) != 0) {
    perror("epoll-proxy: listen");
    return 1;
  }
  int ep = epoll_create1(0);
  watch(ep, listener);
  printf("{\"port\":%d}\n", ntohs(listen_at.sin_port));
  fflush(stdout);

  static char buf[65536];
  struct epoll_event events[64];
  for (;;) {
    int n = epoll_wait(ep, events, 64, -1);
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        int client = accept(listener, NULL, NULL);
        if (client < 0) continue;
        /* A blocking connect: the upstream is local, and the floor is about the data path. */
        int upstream = socket(AF_INET, SOCK_STREAM, 0);
        if (client >= MAX_FD || upstream < 0 || upstream >= MAX_FD ||
            connect(upstream, (struct sockaddr *)&upstream_at, sizeof upstream_at) != 0) {
          close(client);
          if (upstream >= 0) close(upstream);
          continue;
        }
        tune(client);
        tune(upstream);
        peer[client] = upstream;
        peer[upstream] = client;
        watch(ep, client);
        watch(ep, upstream);
        continue;
      }
      ssize_t got = read(fd, buf, sizeof buf);
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
        drop(fd);
        continue;
      }
      for (ssize_t off = 0; got > 0 && off < got;) {
        ssize_t put = write(peer[fd], buf + off, (size_t)(got - off));
        if (put > 0) off += put;
        else if (put < 0 && errno != EAGAIN && errno != EINTR) {
          drop(fd);
          break;
        }
      }
    }
  }
}
