"""A kazoo Lock driven line by line on stdin, for the interop specs.

Usage: kazoo_lock.py HOSTS LOCK_PATH IDENTIFIER
Commands: try (non-blocking acquire: prints acquired/busy), acquire (blocking: prints acquired),
release (prints released), node (prints the lock's own node name), contenders (prints the
identifiers kazoo sees, as JSON), quit. Prints "ready" once connected.
Run it with Debian's /usr/bin/python3 (python3-kazoo 2.8).
"""
import json
import sys

from kazoo.client import KazooClient


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main():
    hosts, path, identifier = sys.argv[1:4]
    zk = KazooClient(hosts=hosts, timeout=10.0)
    zk.start(timeout=20)
    lock = zk.Lock(path, identifier)
    say("ready")
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "try":
            say("acquired" if lock.acquire(blocking=False) else "busy")
        elif cmd == "acquire":
            lock.acquire()
            say("acquired")
        elif cmd == "release":
            lock.release()
            say("released")
        elif cmd == "node":
            say("node " + str(lock.node))
        elif cmd == "contenders":
            say("contenders " + json.dumps(lock.contenders()))
        elif cmd == "quit":
            break
    zk.stop()
    zk.close()


if __name__ == "__main__":
    main()
