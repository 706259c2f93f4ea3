"""Fixtures for the integration tests: a zcftpd started from the build
tree on a kernel-chosen loopback port, a published tree with known
contents, and helpers for real clients.

The server is started exactly as a user would (command line and -o keys),
with listen=127.0.0.1:0; the master logs "listening on ADDR:PORT", which
is how the tests learn the port. Every server started here is stopped by
its PID (SIGTERM, then SIGKILL) at the end of the test that made it.
"""
import ftplib
import hashlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

ZCFTPD = os.environ.get("ZCFTPD")
IS_ROOT = os.geteuid() == 0
BIG_SPARSE = 5 * 1024 ** 3 + 12345  # > 4 GiB, odd size


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def build_tree(root: Path):
    """The published tree: sizes that matter, odd names, symlinks in and
    out of the root, a dot file, an unreadable file, a big sparse file."""
    root.mkdir(parents=True, exist_ok=True)
    rnd = os.urandom
    files = {
        "empty.bin": b"",
        "one.bin": b"x",
        "four_k.bin": rnd(4096),
        "ten_m.bin": rnd(10 * 1024 * 1024),
        "text.txt": b"line one\nline two\n\nlast line\n",
        "crlf.txt": b"dos line\r\nnext\r\n",
        "name with spaces.txt": b"spaces\n",
        "-leading-dash.txt": b"dash\n",
        "caf\u00e9-\u00fc\u00f1\u00ee.txt".encode(): b"utf8\n",
        ".hidden": b"dot file\n",
        "pub/nested/deep.txt": b"deep\n",
        "pub/readme.txt": b"pub readme\n",
    }
    for name, data in files.items():
        p = root / (name.decode() if isinstance(name, bytes) else name)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        p.chmod(0o644)
    for d in [root, root / "pub", root / "pub" / "nested"]:
        d.chmod(0o755)
    with open(root / "big.sparse", "wb") as f:
        f.truncate(BIG_SPARSE)
        f.seek(BIG_SPARSE - 5)
        f.write(b"tail!")
    (root / "big.sparse").chmod(0o644)
    secret = root / "secret.txt"
    secret.write_bytes(b"not for anyone\n")
    secret.chmod(0o000)
    os.symlink("text.txt", root / "link-inside.txt")
    os.symlink("pub", root / "link-dir")
    os.symlink("/etc/passwd", root / "link-abs-out")
    os.symlink("../../../../../../etc/passwd", root / "pub" / "link-dotdot-out")
    return root


@pytest.fixture(scope="session")
def tree(tmp_path_factory):
    return build_tree(tmp_path_factory.mktemp("tree") / "root")


class Server:
    """One zcftpd master started by a test."""

    def __init__(self, workdir: Path, anon_root: Path, opts=None, listen="127.0.0.1:0"):
        self.workdir = workdir
        self.logpath = workdir / "zcftpd.log"
        self.anon_root = anon_root
        self.opts = {"listen": listen, "anon_root": str(anon_root),
                     "prefork_spare_min": "2", "prefork_spare_max": "4",
                     "max_per_ip": "0", "log_level": "debug"}
        self.opts.update(opts or {})
        self.proc = None
        self.port = None
        self.host = "127.0.0.1"
        self.popen_kw = {}  # extra subprocess.Popen arguments (pass_fds, ...)

    def argv(self):
        argv = [ZCFTPD]
        for k, v in self.opts.items():
            argv += ["-o", f"{k}={v}"]
        return argv

    def start(self, timeout=10):
        self.logfile = open(self.logpath, "ab")
        env = dict(os.environ)
        # Sanitizer builds: workers end inside an empty chroot without
        # /proc, where LeakSanitizer cannot run; leaks are checked by the
        # unit tests. Other ASan/UBSan checks stay on.
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
        self.proc = subprocess.Popen(self.argv(), stdout=self.logfile, stderr=self.logfile,
                                     stdin=subprocess.DEVNULL, env=env, **self.popen_kw)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(r"listening on (\[[^\]]+\]|[0-9.]+):(\d+)", self.log())
            if m:
                self.host = m.group(1).strip("[]")
                self.port = int(m.group(2))
                break
            if self.proc.poll() is not None:
                raise RuntimeError(f"zcftpd exited with {self.proc.returncode}:\n{self.log()}")
            time.sleep(0.02)
        else:
            raise RuntimeError("zcftpd did not report its port:\n" + self.log())
        # wait until a worker is ready to take a connection
        self.wait_log(r"session start|serving ", timeout=timeout)
        return self

    def log(self):
        try:
            return self.logpath.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=10, count=1):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(re.findall(pattern, self.log())) >= count:
                return True
            time.sleep(0.02)
        raise AssertionError(f"log never matched {pattern!r}:\n{self.log()[-4000:]}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def children(self):
        """PIDs of the master's live children (the workers)."""
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.proc.pid and fields[0] != "Z":
                pids.append(int(d))
        return pids

    def ftp(self, login=True, timeout=10):
        f = ftplib.FTP()
        f.connect(self.host, self.port, timeout=timeout)
        if login:
            f.login()
        return f

    def url(self, path=""):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ftp://{host}:{self.port}/{path}"

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=30):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.logfile.close()
        return self.proc.returncode


@pytest.fixture
def make_server(tmp_path, tree):
    """Factory: make_server(opts={...}, anon_root=..., listen=...)."""
    started = []

    def factory(opts=None, anon_root=None, listen="127.0.0.1:0", start=True):
        workdir = tmp_path / f"srv{len(started)}"
        workdir.mkdir()
        s = Server(workdir, anon_root or tree, opts, listen)
        started.append(s)
        return s.start() if start else s

    yield factory
    for s in started:
        s.stop()


@pytest.fixture
def server(make_server):
    """A default anonymous server on the shared tree."""
    return make_server()


class RawFTP:
    """A byte-level control connection for what real clients never send."""

    def __init__(self, host, port, timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        self.greeting = self.reply()

    def send(self, data: bytes):
        self.sock.sendall(data)

    def cmd(self, line: str):
        self.send(line.encode("utf-8", "surrogateescape") + b"\r\n")
        return self.reply()

    def readline(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def reply(self):
        """A whole (possibly multi-line) reply as (code, text)."""
        first = self.readline()
        code = first[:3]
        lines = [first]
        if len(first) > 3 and first[3] == "-":
            for _ in range(1000000):  # bounded: a reply that never ends fails
                line = self.readline()
                lines.append(line)
                if line.startswith(code + " "):
                    break
            else:
                raise AssertionError(f"multi-line {code} reply never ended")
        return int(code), "\n".join(lines)

    def closed(self, timeout=5):
        """True when the server closed the connection."""
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


@pytest.fixture
def raw(server):
    """Factory for raw control connections to the default server."""
    conns = []

    def factory(srv=None):
        s = srv or server
        c = RawFTP(s.host, s.port)
        conns.append(c)
        return c

    yield factory
    for c in conns:
        c.close()


def run(argv, timeout=120, **kw):
    """Run a client program; bounded in time."""
    return subprocess.run(argv, capture_output=True, timeout=timeout, **kw)


def require_root():
    if not IS_ROOT:
        pytest.skip("needs root (privilege drop, chroot, capabilities)")


# ------------------------------------------- helpers shared by the tests

def wait_until(pred, timeout=10, what="condition", interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def tcp_inode(local_port, remote_port):
    """Inode of the established socket local_port <-> remote_port."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] == "01" and int(f[1].rsplit(":", 1)[1], 16) == local_port and \
                    int(f[2].rsplit(":", 1)[1], 16) == remote_port:
                return f[9]
    return None


def session_pids(srv):
    """PIDs of the workers that logged "session start", oldest first."""
    return [int(p) for p in re.findall(r"\[(\d+) [^\]]*\] session start", srv.log())]


def serving_worker(srv, conn, timeout=5):
    """PID of the worker holding the server end of the RawFTP `conn`: the
    established socket's inode, looked for in every worker's fds. Not root,
    a non-dumpable worker's fds cannot be read: then the PID whose "session
    start" appeared while `conn` was being opened (Net records it)."""
    cport = conn.sock.getsockname()[1]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inode = tcp_inode(srv.port, cport)
        if inode is not None:
            target = f"socket:[{inode}]"
            for pid in srv.children():
                try:
                    fds = os.listdir(f"/proc/{pid}/fd")
                except PermissionError:
                    hint = getattr(conn, "pid_hint", None)
                    if hint is None:
                        pytest.skip("cannot tell which worker serves a connection "
                                    "(worker fds unreadable, no log hint)")
                    return hint
                except OSError:
                    continue
                for fd in fds:
                    try:
                        if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                            return pid
                    except OSError:
                        pass
        time.sleep(0.02)
    raise AssertionError(f"no worker holds the connection from port {cport}")


class Reader(threading.Thread):
    """Reads a data connection to its end in the background."""

    def __init__(self, sock, timeout=30):
        super().__init__(daemon=True)
        self.sock = sock
        self.sock.settimeout(timeout)
        self.data = bytearray()
        self.error = None

    def run(self):
        try:
            while True:
                b = self.sock.recv(1 << 20)
                if not b:
                    return
                self.data += b
        except OSError as e:
            self.error = e

    def wait_bytes(self, n, timeout=10):
        wait_until(lambda: len(self.data) >= n or not self.is_alive(), timeout,
                   f"{n} bytes on the data connection")
        assert len(self.data) >= n, f"data ended after {len(self.data)} bytes ({self.error})"


class Net:
    """Control and data connections of one test, closed at its end."""

    def __init__(self):
        self.items = []

    def raw(self, srv, timeout=10):
        before = set(session_pids(srv))
        c = RawFTP(srv.host, srv.port, timeout=timeout)
        self.items.append(c)
        new = set(session_pids(srv)) - before  # logged before the 220
        c.pid_hint = new.pop() if c.greeting[0] == 220 and len(new) == 1 else None
        return c

    def login(self, srv, timeout=10):
        c = self.raw(srv, timeout)
        assert c.greeting[0] == 220, c.greeting
        assert c.cmd("USER anonymous")[0] == 331
        assert c.cmd("PASS test@example.org")[0] == 230
        return c

    def pasv(self, c, connect=True):
        code, text = c.cmd("PASV")
        assert code == 227, text
        n = [int(x) for x in re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", text).groups()]
        addr = (".".join(map(str, n[:4])), n[4] * 256 + n[5])
        if not connect:
            return addr
        s = socket.create_connection(addr, timeout=10)
        self.items.append(s)
        return s

    def start_retr(self, c, path, rest=None, reader=True):
        assert c.cmd("TYPE I")[0] == 200
        if rest is not None:
            assert c.cmd(f"REST {rest}")[0] == 350
        d = self.pasv(c)
        c.send(f"RETR {path}\r\n".encode())
        code, text = c.reply()
        assert code == 150, text
        if not reader:
            return d
        r = Reader(d)
        r.start()
        return r

    def retr(self, c, path, rest=None):
        r = self.start_retr(c, path, rest)
        r.join(60)
        assert not r.is_alive()
        assert r.error is None, r.error
        code, text = c.reply()
        assert code == 226, text
        return bytes(r.data)

    def close(self):
        for it in self.items:
            try:
                it.close()
            except OSError:
                pass


@pytest.fixture
def net(make_server):
    # after make_server: connections close before the servers stop (an
    # open session would delay the stop)
    n = Net()
    yield n
    n.close()
