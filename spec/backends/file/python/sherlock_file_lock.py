"""A stand-in for Python sherlock 0.4.1's FileLock, speaking its protocol (written for these
specs, not copied): under filelock.FileLock on <dir>/<stem>.lock, the state <dir>/<stem>.json
holds {"owner": str(uuid4()), "expiry_time": datetime.isoformat() in UTC, datetime.max for no
expiry}; the file names come from pathlib's with_suffix, as sherlock builds them.

Usage: sherlock_file_lock.py DIR KEY COMMAND [ARGS]
  acquire EXPIRE|none     one non-blocking attempt; prints "acquired OWNER" or "busy"
  release OWNER           prints "released" or "not-owner"
  renew OWNER EXPIRE|none prints "renewed" or "not-renewed"
  locked                  prints "locked" or "free"
  hold-flock              takes the flock, prints "held", then on a stdin line writes a foreign
                          state (expiring in 30 s), prints "wrote" and releases the flock
  try-flock               one non-blocking flock attempt: prints "flocked" or "flock-busy"
  worker LOG COUNT HOLD_MS  COUNT blocking acquisitions (expire 30 s), appending
                          "start py OWNER" / "end py OWNER" lines to LOG while holding
"""
import datetime
import json
import pathlib
import sys
import time
import uuid

import filelock


def files(directory, key):
    pathlib.Path(directory).mkdir(parents=True, exist_ok=True)
    base = pathlib.Path(directory) / key
    return base.with_suffix(".json"), filelock.FileLock(str(base.with_suffix(".lock")))


def now():
    return datetime.datetime.now(tz=datetime.timezone.utc)


def expiry_time(expire):
    if expire is None:
        # As sherlock: the naive datetime.max read as local time (UTC on these machines).
        return datetime.datetime.max.astimezone(datetime.timezone.utc).isoformat()
    return (now() + datetime.timedelta(seconds=expire)).isoformat()


def expired(data):
    return now() > datetime.datetime.fromisoformat(data["expiry_time"]).astimezone(datetime.timezone.utc)


def parse_expire(text):
    return None if text == "none" else float(text)


def acquire(state, flock, expire):
    owner = str(uuid.uuid4())
    with flock:
        if state.exists() and not expired(json.loads(state.read_text())):
            return None
        state.touch()
        state.write_text(json.dumps({"owner": owner, "expiry_time": expiry_time(expire)}))
    return owner


def release(state, flock, owner):
    with flock:
        if state.exists() and json.loads(state.read_text())["owner"] == owner:
            state.unlink()
            return True
    return False


def renew(state, flock, owner, expire):
    with flock:
        if not state.exists():
            return False
        data = json.loads(state.read_text())
        if data["owner"] != owner or expired(data):
            return False
        data["expiry_time"] = expiry_time(expire)
        state.write_text(json.dumps(data))
        return True


def locked(state, flock):
    with flock:
        return state.exists() and not expired(json.loads(state.read_text()))


def worker(state, flock, log, count, hold_ms):
    for _ in range(count):
        owner = acquire(state, flock, 30)
        while owner is None:
            time.sleep(0.01)
            owner = acquire(state, flock, 30)
        with open(log, "a") as out:
            out.write("start py %s\n" % owner)
        time.sleep(hold_ms / 1000)
        with open(log, "a") as out:
            out.write("end py %s\n" % owner)
        release(state, flock, owner)


def main(directory, key, command, *args):
    state, flock = files(directory, key)
    if command == "acquire":
        owner = acquire(state, flock, parse_expire(args[0]))
        print("busy" if owner is None else "acquired " + owner)
    elif command == "release":
        print("released" if release(state, flock, args[0]) else "not-owner")
    elif command == "renew":
        print("renewed" if renew(state, flock, args[0], parse_expire(args[1])) else "not-renewed")
    elif command == "locked":
        print("locked" if locked(state, flock) else "free")
    elif command == "hold-flock":
        with flock:
            print("held", flush=True)
            sys.stdin.readline()
            state.write_text(json.dumps({"owner": str(uuid.uuid4()), "expiry_time": expiry_time(30)}))
            print("wrote", flush=True)
    elif command == "try-flock":
        try:
            with flock.acquire(timeout=0):
                print("flocked")
        except filelock.Timeout:
            print("flock-busy")
    elif command == "worker":
        worker(state, flock, args[0], int(args[1]), float(args[2]))
    else:
        raise SystemExit("unknown command " + command)
    sys.stdout.flush()


if __name__ == "__main__":
    main(*sys.argv[1:])
