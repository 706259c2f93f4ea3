"""Process-level behaviour of zcftpd: the command line (-t, -V, -h, exit
statuses, config errors), the pre-forked worker pool (one session per
worker, refilling, crashes), signals (SIGHUP reload, SIGTERM shutdown),
limits (max_clients, max_per_ip, idle/login timeouts) and the privilege
drop of workers and master (root only).

Every server is started through the conftest fixtures on a kernel-chosen
loopback port and stopped by PID; every wait is bounded and polls the log
or /proc instead of sleeping blindly.
"""
import ftplib
import io
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ZCFTPD, require_root, run, serving_worker, sha256, sha256_file, wait_until

MiB = 1024 * 1024

# Every key of the interface contract (DESIGN.md section 1).
CONTRACT_KEYS = [
    "listen", "tls_implicit_listen", "anon_enable", "anon_root", "users_file",
    "write_enable", "upload_umask", "upload_atomic", "upload_fsync", "pasv_ports",
    "pasv_address", "active_enable", "active_from_port_20", "tls_cert", "tls_key",
    "tls_require", "tls_require_anon", "tls_require_reuse", "tls_min_version",
    "tls_ciphers", "tls_ciphersuites", "ktls", "transfer_engine",
    "drop_behind_threshold", "max_clients", "max_per_ip", "prefork_spare_min",
    "prefork_spare_max", "idle_timeout", "data_timeout", "login_timeout",
    "shutdown_timeout", "login_fail_delay", "max_login_fails", "run_as",
    "secure_chroot_dir", "hide_ids", "listing_localtime", "banner", "log",
    "log_level", "xferlog", "rate_limit_anon", "rate_limit_user", "daemonize",
    "pid_file",
]


# ---------------------------------------------------------------- helpers


def pid_gone(pid):
    """True once the process is reaped (no /proc entry, not even a zombie)."""
    return not os.path.exists(f"/proc/{pid}")


def proc_status(pid):
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def start_with_config(make_server, conf, opts=None):
    """A server started with -c conf in addition to the fixture's -o keys."""
    srv = make_server(opts=opts, start=False)
    base = srv.argv
    srv.argv = lambda: base() + ["-c", str(conf)]
    return srv.start()


def write_conf(path, text):
    path.write_text(text)
    path.chmod(0o644)  # as root, a group/other-writable file is refused
    return path


def ftp_get(srv, path):
    f = srv.ftp()
    try:
        chunks = []
        f.retrbinary(f"RETR {path}", chunks.append)
        f.quit()
    finally:
        f.close()
    return b"".join(chunks)


def port_is_free(port):
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return None
    except OSError as e:
        return str(e)
    finally:
        s.close()


# ---------------------------------------------------------- command line

def test_no_arguments_serves_cwd_on_2121(tmp_path):
    busy = port_is_free(2121)
    if busy is not None:
        pytest.skip(f"127.0.0.1:2121 is not free ({busy}); cannot test the no-argument default")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    cwd.chmod(0o755)
    (cwd / "hello.txt").write_bytes(b"hello from cwd\n")
    (cwd / "hello.txt").chmod(0o644)
    logpath = tmp_path / "noargs.log"
    with open(logpath, "wb") as log:
        proc = subprocess.Popen([ZCFTPD], cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        wait_until(lambda: "listening on 127.0.0.1:2121" in logpath.read_text(errors="replace")
                   or proc.poll() is not None, 10, "listening on 127.0.0.1:2121")
        assert proc.poll() is None, logpath.read_text(errors="replace")
        f = ftplib.FTP()
        f.connect("127.0.0.1", 2121, timeout=10)
        try:
            f.login()  # anonymous
            chunks = []
            f.retrbinary("RETR hello.txt", chunks.append)
            assert b"".join(chunks) == b"hello from cwd\n"
            assert "hello.txt" in f.nlst()
            # read-only
            with pytest.raises(ftplib.error_perm):
                f.storbinary("STOR new.txt", io.BytesIO(b"x"))
            f.quit()
        finally:
            f.close()
        assert not (cwd / "new.txt").exists()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_check_prints_every_key(tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    r = run([ZCFTPD, "-t"], timeout=20, cwd=cwd)
    assert r.returncode == 0, r.stderr
    got = {}
    for line in r.stdout.decode().splitlines():
        m = re.fullmatch(r"([a-z0-9_]+) = ?(.*)", line)
        assert m, f"-t line not 'key = value': {line!r}"
        got[m.group(1)] = m.group(2)
    missing = [k for k in CONTRACT_KEYS if k not in got]
    assert not missing, f"-t does not print {missing}"
    # the documented defaults
    assert got["listen"] == "127.0.0.1:2121"
    assert os.path.realpath(got["anon_root"]) == os.path.realpath(cwd)
    assert got["anon_enable"] == "yes"
    assert got["write_enable"] == "no"
    assert got["max_clients"] == "2000"
    assert got["max_per_ip"] == "50"
    assert got["prefork_spare_min"] == "8"
    assert got["prefork_spare_max"] == "32"
    assert got["idle_timeout"] == "300"
    assert got["data_timeout"] == "60"
    assert got["login_timeout"] == "60"
    assert got["shutdown_timeout"] == "30"
    assert got["transfer_engine"] == "auto"
    assert got["banner"] == "zcftpd ready"
    assert got["secure_chroot_dir"] == "/run/zcftpd/empty"
    assert got["daemonize"] == "no"


def test_check_file_then_overrides(tmp_path):
    conf = write_conf(tmp_path / "z.conf",
                      "# a comment\n\nbanner = from the file\nidle_timeout = 77\n"
                      "max_clients = 10   # trailing comment\n")
    r = run([ZCFTPD, "-c", str(conf), "-o", "max_clients=20", "-o", "data_timeout=5",
             "-o", "data_timeout=6", "-t"], timeout=20)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert re.search(r"^banner = from the file$", out, re.M), out
    assert re.search(r"^idle_timeout = 77$", out, re.M), out
    assert re.search(r"^max_clients = 20$", out, re.M), "-o must win over the file"
    assert re.search(r"^data_timeout = 6$", out, re.M), "the later -o must win"


@pytest.mark.parametrize("override,key", [
    ("max_clients=abc", "max_clients"),
    ("no_such_key=1", "no_such_key"),
    ("transfer_engine=turbo", "transfer_engine"),
    ("anon_enable=maybe", "anon_enable"),
    ("idle_timeout=0", "idle_timeout"),
    ("list_threads=17", "list_threads"),
    ("list_threads=-1", "list_threads"),
])
def test_check_bad_override_exits_2(override, key):
    r = run([ZCFTPD, "-t", "-o", override], timeout=20)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert key in r.stderr.decode(), r.stderr


def test_override_without_equals_is_usage_error():
    r = run([ZCFTPD, "-t", "-o", "banner"], timeout=20)
    assert r.returncode == 2
    assert b"KEY=VALUE" in r.stderr


@pytest.mark.parametrize("check_only", [True, False], ids=["-t", "start"])
@pytest.mark.parametrize("text,line,key", [
    ("# comment\n\nbanner = ok\nno_such_key = 1\n", 4, "no_such_key"),
    ("banner = ok\nidle_timeout = abc\n", 2, "idle_timeout"),
    ("anon_enable = maybe\n", 1, "anon_enable"),
], ids=["unknown-key", "bad-number", "bad-bool"])
def test_config_file_error_names_file_and_line(tmp_path, text, line, key, check_only):
    conf = write_conf(tmp_path / "bad.conf", text)
    argv = [ZCFTPD, "-c", str(conf), "-o", "listen=127.0.0.1:0",
            "-o", f"anon_root={tmp_path}"] + (["-t"] if check_only else [])
    r = run(argv, timeout=20)
    err = r.stderr.decode()
    assert r.returncode == 2, err
    assert f"{conf}:{line}:" in err, err
    assert key in err, err


@pytest.mark.parametrize("check_only", [True, False], ids=["-t", "start"])
def test_missing_config_file_exits_2(tmp_path, check_only):
    missing = tmp_path / "does-not-exist.conf"
    r = run([ZCFTPD, "-c", str(missing), "-o", "listen=127.0.0.1:0"] +
            (["-t"] if check_only else []), timeout=20)
    assert r.returncode == 2, r.stderr
    assert str(missing) in r.stderr.decode()


def test_group_writable_config_refused_as_root(tmp_path):
    require_root()
    conf = tmp_path / "gw.conf"
    conf.write_text("banner = x\n")
    conf.chmod(0o664)
    r = run([ZCFTPD, "-c", str(conf), "-t"], timeout=20)
    assert r.returncode == 2
    assert str(conf) in r.stderr.decode()


def test_cannot_bind_exits_1(tmp_path):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    try:
        port = blocker.getsockname()[1]
        r = run([ZCFTPD, "-o", f"listen=127.0.0.1:{port}", "-o", f"anon_root={tmp_path}"],
                timeout=20)
        assert r.returncode == 1, r.stderr
        assert b"bind" in r.stderr
    finally:
        blocker.close()


def test_version_reports_features_and_kernel_probes():
    r = run([ZCFTPD, "-V"], timeout=20)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert re.search(r"zcftpd \d+\.\d+", out), out
    assert "OpenSSL" in out
    for probe in ("sendfile", "splice", "openat2", "kTLS TX", "kTLS RX"):
        assert re.search(re.escape(probe) + r" (yes|no)\b", out), f"-V lacks {probe}: {out}"
    # this test machine has sendfile, splice and openat2
    assert "sendfile yes" in out and "splice yes" in out and "openat2 yes" in out


def test_help_and_usage_errors():
    r = run([ZCFTPD, "-h"], timeout=20)
    assert r.returncode == 0
    out = r.stdout.decode()
    for opt in ("-c FILE", "-o KEY=VALUE", "-t", "-V", "-h"):
        assert opt in out, out
    r = run([ZCFTPD, "-Z"], timeout=20)
    assert r.returncode == 2
    assert b"usage" in r.stderr
    r = run([ZCFTPD, "-t", "stray-argument"], timeout=20)
    assert r.returncode == 2
    r = run([ZCFTPD, "-c"], timeout=20)
    assert r.returncode == 2


# ----------------------------------------------------------------- prefork

def test_prefork_spares_ready_at_start(make_server):
    srv = make_server(opts={"prefork_spare_min": "3", "prefork_spare_max": "5"})
    n = wait_until(lambda: len(srv.children()) >= 3 and len(srv.children()), 10,
                   "3 idle workers")
    assert 3 <= n <= 5
    # stable: no growth past spare_max while idle
    time.sleep(0.3)
    assert 3 <= len(srv.children()) <= 5


def test_one_session_per_worker_and_pool_refills(make_server, net):
    srv = make_server(opts={"prefork_spare_min": "2", "prefork_spare_max": "3"})
    wait_until(lambda: len(srv.children()) >= 2, 10, "2 idle workers")
    pids = []
    for i in range(5):
        c = net.login(srv)
        pid = serving_worker(srv, c)
        pids.append(pid)
        assert c.cmd("QUIT")[0] == 221
        assert c.closed()
        wait_until(lambda: pid_gone(pid), 10, f"worker {pid} to exit after its session")
    assert len(set(pids)) == 5, f"a worker served more than one session: {pids}"
    for pid in pids:
        srv.wait_log(rf"\[{pid} 127\.0\.0\.1\] session end")
    # concurrent sessions beyond the spare count: the pool grows on demand
    conns = [net.login(srv) for _ in range(6)]
    busy = [serving_worker(srv, c) for c in conns]
    assert len(set(busy)) == 6
    assert not set(busy) & set(pids)
    for c in conns:
        assert c.cmd("QUIT")[0] == 221
    for pid in busy:
        wait_until(lambda: pid_gone(pid), 10, f"worker {pid} to exit")
    # refilled: spare_min..spare_max idle workers again
    wait_until(lambda: 2 <= len(srv.children()) <= 3, 10, "the pool to settle at 2..3 idle workers")
    assert ftp_get(srv, "one.bin") == b"x"


def test_idle_worker_crash_is_logged_and_replaced(make_server, tree):
    srv = make_server(opts={"prefork_spare_min": "2", "prefork_spare_max": "4"})
    wait_until(lambda: len(srv.children()) >= 2, 10, "2 idle workers")
    victim = srv.children()[0]
    # SIGABRT (a failed assertion): sanitizer builds catch SIGSEGV
    # themselves and turn it into an exit status, but leave SIGABRT alone
    os.kill(victim, signal.SIGABRT)
    srv.wait_log(rf"worker {victim} crashed \(signal {int(signal.SIGABRT)}\) before serving")
    wait_until(lambda: pid_gone(victim), 10, "the crashed worker to be reaped")
    wait_until(lambda: len(srv.children()) >= 2, 10, "a replacement worker")
    assert victim not in srv.children()
    assert srv.alive()
    assert sha256(ftp_get(srv, "four_k.bin")) == sha256_file(tree / "four_k.bin")


def test_worker_killed_mid_session_ends_only_that_session(make_server, net, tree):
    srv = make_server()
    a = net.login(srv)
    b = net.login(srv)
    pa = serving_worker(srv, a)
    pb = serving_worker(srv, b)
    assert pa != pb
    os.kill(pa, signal.SIGKILL)
    srv.wait_log(rf"worker {pa} crashed \(signal {int(signal.SIGKILL)}\) during a session")
    assert a.closed(), "the killed worker's client must see its connection end"
    # the other session is untouched
    assert b.cmd("NOOP")[0] == 200
    assert net.retr(b, "four_k.bin") == (tree / "four_k.bin").read_bytes()
    assert pid_gone(pa) or wait_until(lambda: pid_gone(pa), 10, "reaping")
    assert pb in srv.children()
    # and new sessions are served
    assert ftp_get(srv, "one.bin") == b"x"
    assert srv.alive()


# ------------------------------------------------------------------- SIGHUP

def test_sighup_reload_new_banner_for_new_sessions_only(make_server, net, tmp_path, tree):
    conf = write_conf(tmp_path / "z.conf", "banner = first banner\nrate_limit_anon = 4m\n")
    srv = start_with_config(make_server, conf)
    a = net.login(srv)
    a.sock.settimeout(30)
    assert "first banner" in a.greeting[1]
    pa = serving_worker(srv, a)
    # a's download runs across the reload
    r = net.start_retr(a, "ten_m.bin")
    r.wait_bytes(256 * 1024)
    old_idle = set(srv.children()) - {pa}
    write_conf(conf, "banner = second banner\nrate_limit_anon = 4m\n")
    srv.signal(signal.SIGHUP)
    srv.wait_log(r"SIGHUP: reloading the configuration")
    srv.wait_log(r"configuration reloaded \(generation 1\)")
    # idle workers of the old generation retire; wait for them so the
    # next connection is surely taken by a new-generation worker
    wait_until(lambda: all(pid_gone(p) for p in old_idle), 10, "old idle workers to retire")
    b = net.raw(srv)
    assert b.greeting[0] == 220 and "second banner" in b.greeting[1], b.greeting
    assert len(r.data) < 10 * MiB, "the reload should happen mid-transfer"
    # the session opened before the reload keeps working, same worker
    r.join(30)
    assert not r.is_alive() and r.error is None, r.error
    assert sha256(bytes(r.data)) == sha256_file(tree / "ten_m.bin")
    assert a.reply()[0] == 226
    assert pa in srv.children()
    assert a.cmd("NOOP")[0] == 200
    assert net.retr(a, "four_k.bin") == (tree / "four_k.bin").read_bytes()
    assert a.cmd("QUIT")[0] == 221


def test_sighup_reapplies_command_line_overrides(make_server, net, tmp_path):
    conf = write_conf(tmp_path / "z.conf", "banner = from the file\n")
    srv = start_with_config(make_server, conf, opts={"banner": "from the command line"})
    first = net.raw(srv)
    assert "from the command line" in first.greeting[1]
    old_idle = set(srv.children()) - {serving_worker(srv, first)}
    write_conf(conf, "banner = changed file\nmax_per_ip = 7\n")
    srv.signal(signal.SIGHUP)
    srv.wait_log(r"configuration reloaded \(generation 1\)")
    wait_until(lambda: all(pid_gone(p) for p in old_idle), 10, "old idle workers to retire")
    c = net.raw(srv)
    assert c.greeting[0] == 220
    assert "from the command line" in c.greeting[1], c.greeting


@pytest.mark.parametrize("broken", ["unknown-key", "bad-value", "file-removed"])
def test_sighup_broken_config_keeps_old(make_server, net, tmp_path, tree, broken):
    conf = write_conf(tmp_path / "z.conf", "banner = first banner\n")
    srv = start_with_config(make_server, conf)
    a = net.login(srv)
    if broken == "unknown-key":
        write_conf(conf, "banner = broken banner\nno_such_key = 1\n")
        why = rf"{re.escape(str(conf))}:2: no_such_key"
    elif broken == "bad-value":
        write_conf(conf, "banner = broken banner\nidle_timeout = soon\n")
        why = rf"{re.escape(str(conf))}:2: idle_timeout"
    else:
        conf.unlink()
        why = re.escape(str(conf))
    srv.signal(signal.SIGHUP)
    srv.wait_log(r"reload failed, keeping the old configuration.*" + why)
    assert srv.alive()
    assert "configuration reloaded" not in srv.log()
    b = net.raw(srv)
    assert b.greeting[0] == 220 and "first banner" in b.greeting[1], b.greeting
    assert ftp_get(srv, "one.bin") == b"x"
    assert a.cmd("NOOP")[0] == 200
    # a later good file is taken
    before = set(srv.children())
    write_conf(conf, "banner = third banner\n")
    srv.signal(signal.SIGHUP)
    srv.wait_log(r"configuration reloaded \(generation 1\)")
    pa = serving_worker(srv, a)
    pb = serving_worker(srv, b)
    wait_until(lambda: all(pid_gone(p) for p in before - {pa, pb}), 10, "old idle workers to retire")
    c = net.raw(srv)
    assert "third banner" in c.greeting[1], c.greeting


# ------------------------------------------------------------------ SIGTERM

def test_sigterm_lets_running_download_finish(make_server, net, tree):
    srv = make_server(opts={"rate_limit_anon": "4m", "shutdown_timeout": "30"})
    c = net.login(srv)
    c.sock.settimeout(30)
    pid = serving_worker(srv, c)
    r = net.start_retr(c, "ten_m.bin")
    r.wait_bytes(512 * 1024)
    srv.signal(signal.SIGTERM)
    srv.wait_log(r"stopping: no new connections")
    # idle workers leave; then nothing accepts new connections
    wait_until(lambda: set(srv.children()) <= {pid}, 10, "idle workers to exit")
    assert len(r.data) < 10 * MiB, "the download should still be running (rate limit)"
    try:
        s = socket.create_connection((srv.host, srv.port), timeout=3)
    except ConnectionRefusedError:
        pass
    else:
        try:
            s.settimeout(3)
            data = s.recv(100)
        except OSError:
            data = b""
        finally:
            s.close()
        assert not data.startswith(b"220"), "a new session was accepted after SIGTERM"
    r.join(30)
    assert not r.is_alive()
    assert r.error is None, r.error
    assert sha256(bytes(r.data)) == sha256_file(tree / "ten_m.bin")
    code, text = c.reply()
    assert code == 226, text
    assert srv.alive(), "the master must wait for the busy session"
    assert c.cmd("QUIT")[0] == 221
    assert srv.proc.wait(timeout=15) == 0
    assert "stopped" in srv.log()
    srv.wait_log(r"RETR /ten_m\.bin bytes=10485760 .*result=ok")


def test_sigterm_shutdown_timeout_ends_long_download(make_server, net, tree):
    srv = make_server(opts={"rate_limit_anon": "1m", "shutdown_timeout": "1"})
    c = net.login(srv)
    r = net.start_retr(c, "ten_m.bin")
    r.wait_bytes(128 * 1024)
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    c.sock.settimeout(8)
    code, text = c.reply()
    elapsed = time.monotonic() - t0
    assert code == 421, text
    assert "shutting down" in text.lower()
    assert 0.5 <= elapsed <= 5, f"421 after {elapsed:.1f} s with shutdown_timeout=1"
    r.join(10)
    assert len(r.data) < 10 * MiB
    assert bytes(r.data) == (tree / "ten_m.bin").read_bytes()[:len(r.data)]
    assert c.closed()
    assert srv.proc.wait(timeout=10) == 0
    assert time.monotonic() - t0 < 8
    log = srv.log()
    assert re.search(r"shutdown_timeout reached: ending \d+ sessions", log), log[-2000:]
    assert re.search(r"RETR /ten_m\.bin bytes=\d+ .*result=control-lost", log), log[-2000:]
    assert "stopped" in log


def test_sigterm_idle_server_exits_0_quickly(make_server):
    srv = make_server()
    workers = srv.children()
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    assert srv.proc.wait(timeout=10) == 0
    assert time.monotonic() - t0 < 5
    for pid in workers:
        wait_until(lambda: pid_gone(pid), 5, f"worker {pid} to be gone")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_signal_ends_idle_session_after_shutdown_timeout(make_server, net, sig):
    srv = make_server(opts={"shutdown_timeout": "1"})
    c = net.login(srv)
    c.sock.settimeout(10)
    t0 = time.monotonic()
    srv.signal(sig)
    code, text = c.reply()
    elapsed = time.monotonic() - t0
    assert code == 421 and "shutting down" in text.lower(), text
    assert 0.5 <= elapsed <= 5, f"421 after {elapsed:.1f} s with shutdown_timeout=1"
    assert c.closed()
    assert srv.proc.wait(timeout=10) == 0


# ------------------------------------------------------------------- limits

def test_max_clients(make_server, net):
    srv = make_server(opts={"max_clients": "2", "prefork_spare_min": "1",
                            "prefork_spare_max": "1"})
    c1 = net.login(srv)
    c2 = net.login(srv)
    c3 = net.raw(srv)
    assert c3.greeting[0] == 421, c3.greeting
    assert "too many users" in c3.greeting[1].lower()
    assert c3.closed()
    srv.wait_log(r"refused a connection: max_clients \(2\) reached")
    assert len(srv.children()) <= 2
    # one leaves: a new client is served
    p1 = serving_worker(srv, c1)
    assert c1.cmd("QUIT")[0] == 221
    wait_until(lambda: pid_gone(p1), 10, "the first worker to exit")
    wait_until(lambda: len(srv.children()) == 2, 10, "a replacement worker")
    c4 = net.login(srv)
    assert c4.cmd("NOOP")[0] == 200
    assert c2.cmd("NOOP")[0] == 200


def test_max_per_ip(make_server, net):
    srv = make_server(opts={"max_per_ip": "1"})
    c1 = net.login(srv)
    c2 = net.raw(srv)
    assert c2.greeting[0] == 421, c2.greeting
    assert c2.closed()
    assert c1.cmd("NOOP")[0] == 200
    p1 = serving_worker(srv, c1)
    assert c1.cmd("QUIT")[0] == 221
    wait_until(lambda: pid_gone(p1), 10, "the first worker to exit")
    c3 = net.login(srv)
    assert c3.cmd("NOOP")[0] == 200


def test_idle_timeout(make_server, net):
    srv = make_server(opts={"idle_timeout": "2"})
    c = net.login(srv)
    c.sock.settimeout(10)
    time.sleep(1.0)
    t_noop = time.monotonic()
    assert c.cmd("NOOP")[0] == 200  # activity restarts the clock
    code, text = c.reply()
    elapsed = time.monotonic() - t_noop
    assert code == 421, text
    assert 1.5 <= elapsed <= 5, f"421 {elapsed:.1f} s after the last command (idle_timeout=2)"
    assert c.closed()
    srv.wait_log(r"closing: idle timeout")


def test_idle_timeout_counts_from_the_end_of_a_transfer(make_server, net, tree):
    """A transfer longer than idle_timeout is not idleness: the client
    may send its next command right after the 226."""
    srv = make_server(opts={"idle_timeout": "2", "rate_limit_anon": "4m"})
    c = net.login(srv)
    c.sock.settimeout(20)
    data = net.retr(c, "ten_m.bin")  # about 2.5 s
    assert sha256(data) == sha256_file(tree / "ten_m.bin")
    time.sleep(0.5)
    code, text = c.cmd("NOOP")
    assert code == 200, f"session ended {text!r} 0.5 s after a transfer (idle_timeout=2)"
    code, text = c.reply()
    assert code == 421, text


def test_login_timeout(make_server, net):
    srv = make_server(opts={"login_timeout": "2"})
    c = net.raw(srv)
    t0 = time.monotonic()
    assert c.greeting[0] == 220
    # activity before login does not extend login_timeout
    code, text = None, ""
    while time.monotonic() - t0 < 8:
        try:
            c.send(b"NOOP\r\n")
        except OSError:
            break
        code, text = c.reply()
        if code == 421:
            break
        time.sleep(0.3)
    elapsed = time.monotonic() - t0
    assert code == 421, text
    assert 1.5 <= elapsed <= 5, f"421 after {elapsed:.1f} s (login_timeout=2)"
    assert c.closed()
    srv.wait_log(r"closing: login timeout")


# --------------------------------------------------------------- privileges

CAP_NAMES = {0: "CAP_CHOWN", 1: "CAP_DAC_OVERRIDE", 3: "CAP_FOWNER", 4: "CAP_FSETID",
             12: "CAP_NET_ADMIN", 13: "CAP_NET_RAW", 16: "CAP_SYS_MODULE",
             17: "CAP_SYS_RAWIO", 19: "CAP_SYS_PTRACE", 21: "CAP_SYS_ADMIN",
             22: "CAP_SYS_BOOT", 25: "CAP_SYS_TIME", 27: "CAP_MKNOD"}


def assert_worker_unprivileged(pid, jail):
    st = proc_status(pid)
    for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(st[k], 16) == 0, f"worker {pid} {k}={st[k]}"
    assert st["NoNewPrivs"] == "1", f"worker {pid} NoNewPrivs={st['NoNewPrivs']}"
    uids = [int(x) for x in st["Uid"].split()]
    gids = [int(x) for x in st["Gid"].split()]
    assert 0 not in uids, f"worker {pid} Uid {uids}"
    assert 0 not in gids, f"worker {pid} Gid {gids}"
    assert "0" not in st.get("Groups", "").split(), f"worker {pid} Groups {st['Groups']}"
    assert os.readlink(f"/proc/{pid}/root") == jail
    # not dumpable: the kernel gives its /proc files to root although the
    # process runs as another user (the /proc/PID directory itself is exempt)
    assert os.stat(f"/proc/{pid}/status").st_uid == 0


def test_serving_worker_has_no_privileges(make_server, net):
    require_root()
    srv = make_server()
    c = net.login(srv)
    pid = serving_worker(srv, c)
    assert_worker_unprivileged(pid, "/run/zcftpd/empty")
    # the serving worker holds no listening socket any more
    listen_inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        f = line.split()
        if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == srv.port:
            listen_inodes.add(f"socket:[{f[9]}]")
    assert listen_inodes
    held = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            held.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass
    assert not held & listen_inodes, "a serving worker still holds the listener"
    assert c.cmd("NOOP")[0] == 200


def test_idle_worker_has_no_privileges(make_server, tmp_path):
    require_root()
    jail = tmp_path / "jail"
    jail.mkdir()
    jail.chmod(0o755)
    srv = make_server(opts={"secure_chroot_dir": str(jail)})
    wait_until(lambda: len(srv.children()) >= 2, 10, "idle workers")
    for pid in srv.children():
        assert_worker_unprivileged(pid, str(jail))
    assert ftp_get(srv, "one.bin") == b"x"


def test_master_keeps_only_a_few_capabilities(make_server):
    require_root()
    srv = make_server()
    mine = proc_status(os.getpid())
    st = proc_status(srv.proc.pid)
    bnd, eff, prm = (int(st[k], 16) for k in ("CapBnd", "CapEff", "CapPrm"))
    assert bnd != int(mine["CapBnd"], 16), "the master keeps the full bounding set"
    assert bnd & ~int(mine["CapBnd"], 16) == 0
    assert bin(bnd).count("1") <= 10, f"CapBnd {st['CapBnd']} keeps too much"
    assert eff & ~bnd == 0 and prm & ~bnd == 0
    assert int(st["CapInh"], 16) == 0 and int(st["CapAmb"], 16) == 0
    for bit, name in CAP_NAMES.items():
        for k in ("CapBnd", "CapEff", "CapPrm"):
            assert not int(st[k], 16) >> bit & 1, f"master keeps {name} in {k}"


def test_max_per_ip_counts_each_address(make_server, net):
    """max_per_ip is per client address: a second address (127.0.0.2 on
    lo) is served while the first is at its limit, and gets its own
    limit."""
    import socket
    srv = make_server(opts={"max_per_ip": "1"})
    c1 = net.login(srv)

    def greet_from(src):
        s = socket.socket()
        s.settimeout(10)
        s.bind((src, 0))
        s.connect((srv.host, srv.port))
        buf = b""
        while b"\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        return s, buf
    other, greeting = greet_from("127.0.0.2")
    assert greeting.startswith(b"220"), greeting
    third, greeting = greet_from("127.0.0.2")
    assert greeting.startswith(b"421"), greeting
    same, greeting = greet_from("127.0.0.1")
    assert greeting.startswith(b"421"), greeting
    for s in (other, third, same):
        s.close()
    assert c1.cmd("NOOP")[0] == 200


def test_startup_and_V_report_the_nic_features(make_server, tmp_path):
    """Per listening address: the egress interface and what it offers
    zero-copy sends (scatter-gather, checksum offload, TLS offload), read
    with ETHTOOL_GFEATURES; the same in zcftpd -V."""
    srv = make_server()
    srv.wait_log(r"zero-copy path for 127\.0\.0\.1:%d: dev lo: tx-scatter-gather on, "
                 r"tx-checksum (on|off), tso (on|off), tls-hw-tx-offload \w+, "
                 r"tls-hw-rx-offload \w+" % srv.port)
    r = run([ZCFTPD, "-o", "listen=127.0.0.1:2121", "-o", f"anon_root={tmp_path}", "-V"])
    assert r.returncode == 0, r
    out = r.stdout.decode()
    assert re.search(r"^network: 127\.0\.0\.1:2121: dev lo: tx-scatter-gather on", out, re.M), out
    assert re.search(r"kTLS TX (yes|no)", out), out
