"""Accounts (issue #5): the users file, the auth broker and logins.

Users of `users_file` log in through the auth broker, which checks the
crypt(3) hash and sends the home directory fd; the worker serves the user
beneath that fd. Tested through python ftplib, curl and lftp: logins,
failures (same reply for unknown names, delayed, cut after
max_login_fails), confinement to the home (.., absolute paths, symlinks),
anon_enable=no, users file errors with line numbers, SIGHUP taking a new
users table, a crashed broker replaced, and the capabilities of workers
(before and after login) and of the broker."""
import ftplib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import (IS_ROOT, RawFTP, ZCFTPD, require_root, run, serving_worker,
                      wait_until)

PASSWORD = "s3cret pass"


def crypt_hash(password):
    return subprocess.run(["openssl", "passwd", "-6", "-stdin"], input=password.encode(),
                          capture_output=True, check=True, timeout=30).stdout.decode().strip()


@pytest.fixture(scope="module")
def pw_hash():
    return crypt_hash(PASSWORD)


@pytest.fixture
def accounts():
    """A directory run_as can traverse (pytest's tmp_path is 0700 when
    running as root, and the broker runs as run_as)."""
    base = Path(tempfile.mkdtemp(prefix="zc-accounts-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def homes(accounts):
    """Two users' homes and an anonymous root, readable by run_as."""
    base = accounts
    alice, bob, anon = base / "alice", base / "bob", base / "anon"
    for d in (alice, bob, anon):
        d.mkdir(parents=True)
    (alice / "alice.txt").write_bytes(b"alice's file\n")
    (alice / "sub").mkdir()
    (alice / "sub" / "deep.txt").write_bytes(b"deep\n")
    (bob / "bob-secret.txt").write_bytes(b"bob's secret\n")
    (anon / "public.txt").write_bytes(b"public\n")
    # symlinks that point out of alice's home: both must stay inside
    (alice / "to-bob").symlink_to(bob)
    (alice / "to-bob-rel").symlink_to("../bob")
    for p in [base, *base.rglob("*")]:
        if not p.is_symlink():
            p.chmod(0o755 if p.is_dir() else 0o644)
    return {"alice": alice, "bob": bob, "anon": anon}


def write_users(path, pw_hash, homes, extra=""):
    path.write_text(f"# test users\nalice:{pw_hash}:{homes['alice']}\n"
                    f"bob:{pw_hash}:{homes['bob']}\n{extra}")
    path.chmod(0o600)


@pytest.fixture
def users_server(make_server, homes, pw_hash, tmp_path):
    def factory(**opts):
        users = tmp_path / "users"
        write_users(users, pw_hash, homes)
        o = {"users_file": str(users), "login_fail_delay": "0"}
        o.update(opts)
        srv = make_server(opts=o, anon_root=homes["anon"])
        srv.users_path = users
        return srv
    return factory


def login(srv, user="alice", password=PASSWORD):
    f = ftplib.FTP()
    f.connect(srv.host, srv.port, timeout=20)
    f.login(user, password)
    return f


def fetch(f, path):
    chunks = []
    f.retrbinary(f"RETR {path}", chunks.append)
    return b"".join(chunks)


def broker_pid(srv):
    # the master may still be forking it when the listener is up
    srv.wait_log(r"auth broker \d+ started")
    pids = re.findall(r"auth broker (\d+) started", srv.log())
    assert pids, srv.log()[-2000:]
    return int(pids[-1])


def test_user_login_serves_the_home(users_server, homes):
    srv = users_server()
    f = login(srv)
    assert f.pwd() == "/"
    assert sorted(f.nlst()) == ["alice.txt", "sub", "to-bob", "to-bob-rel"]
    assert fetch(f, "alice.txt") == b"alice's file\n"
    assert fetch(f, "/sub/deep.txt") == b"deep\n"
    f.quit()
    srv.wait_log(r"login: user 'alice'")


def test_user_login_through_curl_and_lftp(users_server):
    srv = users_server()
    r = run(["curl", "-sS", "--user", f"alice:{PASSWORD}", srv.url("alice.txt")], timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"alice's file\n"
    r = run(["lftp", "-c", f"set net:max-retries 1; open -p {srv.port} -u 'alice,{PASSWORD}' "
             f"{srv.host}; cat sub/deep.txt"], timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"deep\n"


def test_wrong_password_and_unknown_user_get_the_same_reply(users_server):
    srv = users_server(login_fail_delay="1")
    replies = []
    for user, password in (("alice", "wrong"), ("nosuchuser", PASSWORD)):
        c = RawFTP(srv.host, srv.port)
        assert c.cmd(f"USER {user}")[0] == 331
        t0 = time.monotonic()
        code, text = c.cmd(f"PASS {password}")
        elapsed = time.monotonic() - t0
        assert code == 530, text
        assert elapsed >= 0.9, f"failure not delayed ({elapsed:.2f} s)"
        replies.append(text)
        # the session continues: a right login now works
        assert c.cmd("USER alice")[0] == 331
        assert c.cmd(f"PASS {PASSWORD}")[0] == 230
        c.close()
    assert replies[0] == replies[1]


def test_failures_cut_after_max_login_fails(users_server):
    srv = users_server(max_login_fails="2")
    c = RawFTP(srv.host, srv.port)
    assert c.cmd("USER alice")[0] == 331
    assert c.cmd("PASS a")[0] == 530
    assert c.cmd("USER alice")[0] == 331
    code, text = c.cmd("PASS b")
    assert code == 421, text
    assert c.closed()
    # the server still logs people in
    login(srv).quit()


def test_confined_to_the_home(users_server, homes):
    srv = users_server()
    f = login(srv)
    for path in ("../bob/bob-secret.txt", "/../bob/bob-secret.txt",
                 f"../../{homes['bob'].parent.name}/bob/bob-secret.txt", "to-bob/bob-secret.txt",
                 "to-bob-rel/bob-secret.txt", "../anon/public.txt",
                 "/etc/passwd", "../../../../../../etc/passwd"):
        with pytest.raises(ftplib.error_perm) as e:
            fetch(f, path)
        assert str(e.value)[:3] == "550", (path, e.value)
    for d in ("..", "/..", "to-bob", "to-bob-rel", "../bob"):
        try:
            f.cwd(d)
        except ftplib.error_perm:
            pass
        assert "bob-secret.txt" not in f.nlst(), d
        f.cwd("/")
    # the home is the root: .. from it is the home again
    f.cwd("/sub")
    f.cwd("../..")
    assert f.pwd() == "/"
    assert "alice.txt" in f.nlst()
    f.quit()
    # bob sees his own
    g = login(srv, "bob")
    assert fetch(g, "bob-secret.txt") == b"bob's secret\n"
    with pytest.raises(ftplib.error_perm):
        fetch(g, "../alice/alice.txt")
    g.quit()


def test_users_cannot_write_without_write_enable(users_server, homes):
    srv = users_server()
    f = login(srv)
    for cmd in ("DELE alice.txt", "MKD newdir", "RMD sub", "RNFR alice.txt"):
        with pytest.raises(ftplib.error_perm) as e:
            f.sendcmd(cmd)
        assert str(e.value)[:3] == "550", (cmd, e.value)
    f.quit()
    assert (homes["alice"] / "alice.txt").exists()
    assert (homes["alice"] / "sub").is_dir()
    assert not (homes["alice"] / "newdir").exists()


def test_anonymous_still_works_next_to_users(users_server):
    srv = users_server()
    f = ftplib.FTP()
    f.connect(srv.host, srv.port, timeout=20)
    f.login()
    assert fetch(f, "public.txt") == b"public\n"
    with pytest.raises(ftplib.error_perm):
        fetch(f, "../alice/alice.txt")
    f.quit()


def test_anon_enable_no_turns_anonymous_off(users_server):
    srv = users_server(anon_enable="no")
    c = RawFTP(srv.host, srv.port)
    assert c.cmd("USER anonymous")[0] == 331
    assert c.cmd("PASS me@example.org")[0] == 530
    c.close()
    login(srv).quit()


def test_no_users_file_means_no_users(make_server, homes):
    srv = make_server(opts={"login_fail_delay": "0"}, anon_root=homes["anon"])
    c = RawFTP(srv.host, srv.port)
    assert c.cmd("USER alice")[0] == 331
    assert c.cmd(f"PASS {PASSWORD}")[0] == 530
    c.close()


@pytest.mark.parametrize("content,where", [
    ("alice:$6$x$y:/home/alice\nbob\n", ":2:"),
    ("alice:plain:/home/alice\n", ":1: password hash"),
    ("alice:{h}:/a\n\nalice:{h}:/b\n", ":3: user alice is also defined on line 1"),
    ("anonymous:{h}:/a\n", ":1: bad user name"),
    ("carol:{h}:relative/home\n", ":1: home directory must be an absolute path"),
])
def test_users_file_errors_name_the_line(tmp_path, pw_hash, content, where):
    users = tmp_path / "users"
    users.write_text(content.replace("{h}", pw_hash))
    users.chmod(0o600)
    r = run([ZCFTPD, "-o", f"users_file={users}", "-o", f"anon_root={tmp_path}", "-t"])
    assert r.returncode == 2, r
    assert str(users) + where in r.stderr.decode(), r.stderr


def test_missing_users_file_is_a_config_error(tmp_path):
    r = run([ZCFTPD, "-o", f"users_file={tmp_path}/nope", "-o", f"anon_root={tmp_path}", "-t"])
    assert r.returncode == 2
    assert b"users_file" in r.stderr and b"nope" in r.stderr


def test_sighup_takes_a_new_users_table(users_server, homes, pw_hash, accounts):
    srv = users_server()
    old = login(srv)
    carol = accounts / "carol"
    carol.mkdir()
    carol.chmod(0o755)
    (carol / "c.txt").write_bytes(b"carol\n")
    (carol / "c.txt").chmod(0o644)
    write_users(srv.users_path, pw_hash, homes, extra=f"carol:{pw_hash}:{carol}\n")
    first = broker_pid(srv)
    srv.signal(signal.SIGHUP)
    srv.wait_log(r"configuration reloaded")
    wait_until(lambda: broker_pid(srv) != first, what="a new auth broker")

    def carol_logs_in():
        try:
            f = login(srv, "carol")
        except ftplib.error_perm:
            return False  # an idle worker of the old generation took it
        assert fetch(f, "c.txt") == b"carol\n"
        f.quit()
        return True
    wait_until(carol_logs_in, timeout=15, interval=0.2, what="carol's login")
    # the session that was running goes on
    assert fetch(old, "alice.txt") == b"alice's file\n"
    old.quit()


def test_crashed_broker_is_replaced(users_server):
    srv = users_server()
    first = broker_pid(srv)
    os.kill(first, signal.SIGKILL)
    srv.wait_log(r"auth broker %d ended" % first)
    wait_until(lambda: broker_pid(srv) != first, what="a new auth broker")

    def logs_in():
        try:
            login(srv).quit()
            return True
        except (ftplib.error_perm, ftplib.error_temp, EOFError, OSError):
            return False  # a worker forked with the dead broker's socket
    wait_until(logs_in, timeout=20, interval=0.2, what="a login after the broker restart")
    assert srv.alive()


def caps(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return {k: v.strip() for k, v in re.findall(r"^(Cap\w+|NoNewPrivs|Uid):\s*(.*)$", status, re.M)}


def test_no_capabilities_in_workers_and_broker(users_server):
    require_root()
    srv = users_server()
    bpid = broker_pid(srv)
    # the master logs "started" right after the fork; the broker drops
    # its privileges before it loads the users and says "ready" (it
    # reads nothing from any peer before that)
    srv.wait_log(r"zcftpd\[%d\] \w+: \[auth broker\] ready" % bpid)
    b = caps(bpid)
    assert b["CapEff"] == b["CapPrm"] == b["CapBnd"] == "0000000000000000", b
    assert b["NoNewPrivs"] == "1"
    assert b["Uid"].split()[0] != "0"
    c = RawFTP(srv.host, srv.port)
    pid = serving_worker(srv, c)
    before = caps(pid)
    assert c.cmd("USER alice")[0] == 331
    assert c.cmd(f"PASS {PASSWORD}")[0] == 230
    after = caps(pid)
    for st in (before, after):
        assert st["CapEff"] == st["CapPrm"] == st["CapBnd"] == "0000000000000000", st
        assert st["NoNewPrivs"] == "1"
    # the worker holds the home fd it was sent, not the users file
    links = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            links.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass
    assert any(l.endswith("/alice") for l in links), links
    assert not any(l == str(srv.users_path) for l in links), links
    c.close()


def test_workers_never_see_the_hashes(users_server, pw_hash):
    """The master parses the users file only to report errors and wipes
    it; workers (forked from the master) must not hold any hash."""
    require_root()
    srv = users_server()
    c = RawFTP(srv.host, srv.port)
    pid = serving_worker(srv, c)
    needle = pw_hash.split("$")[-1].encode()
    found = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (r)", line)
            if not m or "[vvar]" in line or "[vsyscall]" in line:
                continue
            start, end = int(m.group(1), 16), int(m.group(2), 16)
            if end - start > 256 << 20:
                continue
            try:
                mem.seek(start)
                if needle in mem.read(end - start):
                    found.append(line.strip())
            except OSError:
                pass
    c.close()
    assert not found, found


def test_active_mode_from_port_20(make_server, homes):
    """active_from_port_20: the master binds port 20 for the worker (which
    holds no capability) and the data connection comes from it."""
    require_root()
    srv = make_server(opts={"active_from_port_20": "yes"}, anon_root=homes["anon"])
    import socket
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    lst.settimeout(10)
    port = lst.getsockname()[1]
    c = RawFTP(srv.host, srv.port)
    assert c.cmd("USER anonymous")[0] == 331
    assert c.cmd("PASS x@example.org")[0] == 230
    assert c.cmd("TYPE I")[0] == 200
    assert c.cmd(f"PORT 127,0,0,1,{port >> 8},{port & 255}")[0] == 200
    c.send(b"RETR public.txt\r\n")
    conn, peer = lst.accept()
    data = b""
    conn.settimeout(10)
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    conn.close()
    assert c.reply()[0] == 150
    assert c.reply()[0] == 226
    assert peer[1] == 20, peer
    assert data == b"public\n"
    st = caps(serving_worker(srv, c))
    assert st["CapEff"] == st["CapPrm"] == st["CapBnd"] == "0000000000000000", st
    # and again: every connection gets a fresh socket
    assert c.cmd(f"PORT 127,0,0,1,{port >> 8},{port & 255}")[0] == 200
    c.send(b"NLST\r\n")
    conn, peer = lst.accept()
    conn.close()
    assert peer[1] == 20
    c.close()
    lst.close()


def test_active_from_port_20_falls_back_when_not_possible(make_server, homes):
    """Not root (or the bind refused): a kernel-chosen port, logged. As
    root the server is started as nobody (setpriv) to see it."""
    srv = make_server(opts={"active_from_port_20": "yes"}, anon_root=homes["anon"],
                      start=False)
    if IS_ROOT:
        argv = srv.argv()
        srv.argv = lambda: ["setpriv", "--reuid=65534", "--regid=65534",
                            "--clear-groups", *argv]
    srv.start()
    r = run(["curl", "-sS", "-P", "127.0.0.1", srv.url("public.txt")], timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"public\n"
    srv.wait_log(r"no port-20 socket")


def held_fds(pid):
    """{fd number: readlink target} of process PID."""
    out = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            out[int(fd)] = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            pass
    return out


def test_inherited_descriptors_reach_no_process(make_server, homes, pw_hash, tmp_path):
    """Descriptors left open by whatever starts zcftpd reach neither the
    master nor the auth broker nor any worker (logged in or idle), and a
    closed stdout is reopened on /dev/null so that no socket or file
    becomes fd 1."""
    require_root()  # a worker's /proc/PID/fd is root's to read
    users = tmp_path / "users"
    write_users(users, pw_hash, homes)
    r, w = os.pipe()
    try:
        pipe = f"pipe:[{os.fstat(r).st_ino}]"
        srv = make_server(opts={"users_file": str(users), "login_fail_delay": "0"},
                          anon_root=homes["anon"], start=False)
        srv.popen_kw = {"pass_fds": (r, w), "preexec_fn": lambda: os.close(1)}
        srv.start()
        f = login(srv)
        assert fetch(f, "alice.txt") == b"alice's file\n"
        procs = [srv.proc.pid] + srv.children()
        assert broker_pid(srv) in procs and len(procs) >= 3
        for pid in procs:
            assert pipe not in held_fds(pid).values(), f"{pid} holds the inherited pipe"
        assert held_fds(srv.proc.pid).get(1) == "/dev/null"
        f.quit()
    finally:
        os.close(r)
        os.close(w)
