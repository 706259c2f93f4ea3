"""Abuse: path traversal (.., absolute paths, symlinks out of the root),
write verbs from anonymous users, FTP bounce (PORT/EPRT to another host
or a privileged port), passive port theft, over-long lines, NUL bytes,
HTTP on the control port, unknown-command floods before login.

After every bad-input test the server must still serve a download; each
test asserts that explicitly (assert_serves).
"""
import ftplib
import hashlib
import os
import re
import select
import socket
import time

import pytest

from conftest import RawFTP, run

T = 30
PASSWD = open("/etc/passwd", "rb").read()


# -------------------------------------------------------------- helpers

def login(c):
    code, text = c.cmd("USER anonymous")
    assert code == 331, text
    code, text = c.cmd("PASS guest@example.org")
    assert code == 230, text


def assert_serves(srv, tree, name="text.txt"):
    """The server still serves a download to a new client."""
    f = ftplib.FTP()
    f.connect(srv.host, srv.port, timeout=T)
    try:
        f.login()
        chunks = []
        f.retrbinary("RETR " + name, chunks.append)
        f.quit()
    finally:
        f.close()
    assert b"".join(chunks) == (tree / name).read_bytes(), "server no longer serves downloads"


def epsv_port(c):
    code, text = c.cmd("EPSV")
    assert code == 229, text
    return int(re.search(r"\(\|\|\|(\d+)\|\)", text).group(1))


def recv_all(sock, limit=1 << 24):
    sock.settimeout(T)
    out = b""
    while len(out) < limit:
        try:
            b = sock.recv(65536)
        except ConnectionResetError:
            break
        if not b:
            break
        out += b
    sock.close()
    return out


def try_transfer(c, cmd):
    """Set up EPSV, send cmd. Returns (final code, data or None)."""
    port = epsv_port(c)
    d = socket.create_connection(("127.0.0.1", port), timeout=T)
    try:
        code, text = c.cmd(cmd)
        if code not in (125, 150):
            return code, None
        data = recv_all(d)
        code, text = c.reply()
        return code, data
    finally:
        d.close()


def looks_like_passwd(data):
    return data is not None and (b"root:" in data or data == PASSWD)


def names_of_listing(data):
    """Names of an ls -l listing (9th field on; without "-> target")."""
    return [l.split(None, 8)[8].split(" -> ")[0]
            for l in data.decode("utf-8", "replace").split("\r\n") if l]


def visible(path):
    return sorted((n for n in os.listdir(path) if not n.startswith(".")), key=os.fsencode)


def snapshot(root):
    """Everything observable about a tree: names, types, modes, sizes,
    mtimes, link targets, contents of the small files."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in sorted(dirnames + filenames):
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            entry = (st.st_mode, st.st_size, st.st_mtime_ns, st.st_uid, st.st_gid)
            if os.path.islink(p):
                entry += (os.readlink(p),)
            elif os.path.isfile(p) and st.st_size < (64 << 20) and st.st_mode & 0o444:
                with open(p, "rb") as f:
                    entry += (hashlib.sha256(f.read()).hexdigest(),)
            snap[os.path.relpath(p, root)] = entry
    st = os.lstat(root)
    snap["."] = (st.st_mode, st.st_mtime_ns)
    return snap


@pytest.fixture
def c(raw):
    conn = raw()
    login(conn)
    return conn


# ------------------------------------------------------------ traversal

TRAVERSAL_FILES = [
    "../../../etc/passwd", "/etc/passwd", "../../../../../../../../../../etc/passwd",
    "//etc/passwd", "/../etc/passwd", "./../.././etc/passwd", "pub/../../../etc/passwd",
    "pub/nested/../../../../etc/passwd", "link-abs-out", "pub/link-dotdot-out",
    "link-dir/link-dotdot-out", "/link-dir/../link-abs-out", "..\\..\\..\\etc\\passwd",
    "/proc/self/root/etc/passwd", "link-dir/../../etc/passwd", "....//....//etc/passwd",
]


@pytest.mark.parametrize("verb", ["RETR", "SIZE", "MDTM", "LIST", "NLST", "STAT", "MLST"])
def test_traversal_files(server, tree, c, verb):
    for path in TRAVERSAL_FILES:
        if verb in ("RETR", "LIST", "NLST"):
            code, data = try_transfer(c, f"{verb} {path}")
            assert code == 550, (verb, path, code, data)
            assert not looks_like_passwd(data), (verb, path)
        else:
            code, text = c.cmd(f"{verb} {path}")
            if verb == "MLST" and code in (500, 502):
                break  # not offered by this build
            assert code == 550, (verb, path, text)
            assert "root:" not in text
    assert c.cmd("NOOP")[0] == 200
    assert_serves(server, tree)


def test_traversal_directories(server, tree, c):
    root_names = visible(tree)
    for target in ("../../..", "..", "/..", "/../../..", "pub/../../..", "./../.",
                   "pub/nested/../../../.."):
        code, text = c.cmd(f"CWD {target}")
        assert code in (250, 550), (target, text)
        code, text = c.cmd("PWD")
        assert text.startswith('257 "/"'), (target, text)
        code, data = try_transfer(c, "LIST")
        assert code == 226
        assert names_of_listing(data) == root_names, target
    for target in ("/etc", "../../../etc", "link-abs-out", "pub/link-dotdot-out", "/proc",
                   "/tmp", "/root", "link-dir/../../../etc"):
        code, text = c.cmd(f"CWD {target}")
        assert code == 550, (target, text)
        assert c.cmd("PWD")[1].startswith('257 "/"')
        code, data = try_transfer(c, f"LIST {target}")
        assert code == 550, (target, data)
        code, data = try_transfer(c, f"NLST {target}")
        assert code == 550, (target, data)
    # listing "../../.." shows the root, nothing above it
    code, data = try_transfer(c, "LIST ../../..")
    assert code == 226 and names_of_listing(data) == root_names
    code, data = try_transfer(c, "NLST /../..")
    assert code == 226
    assert [n.split("/")[-1] for n in data.decode().split("\r\n") if n] == root_names
    # the listing of a symlink to the outside shows its target text only
    code, data = try_transfer(c, "LIST pub")
    assert code == 226 and b"root:" not in data
    assert_serves(server, tree)


def test_traversal_content_from_inside_only(make_server, tmp_path):
    """With an etc/passwd inside the root, every way of naming /etc/passwd
    yields the inside copy; a canary next to the root is never reached."""
    base = tmp_path / "base"
    root = base / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_bytes(b"INSIDE-PASSWD\n")
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "ok.txt").write_bytes(b"ok\n")
    (base / "canary.txt").write_bytes(b"CANARY-OUTSIDE\n")
    (base / "outdir").mkdir()
    (base / "outdir" / "o.txt").write_bytes(b"CANARY-OUTSIDE-DIR\n")
    os.symlink("/etc/passwd", root / "abs-passwd")
    os.symlink("../../../../../etc/passwd", root / "sub" / "deeper" / "rel-passwd")
    os.symlink("../canary.txt", root / "canary-rel")
    os.symlink(str(base / "canary.txt"), root / "canary-abs")
    os.symlink("../outdir", root / "outdir-rel")
    os.symlink(str(base / "outdir"), root / "outdir-abs")
    for p in [base, root, root / "etc", root / "sub", root / "sub" / "deeper", base / "outdir"]:
        p.chmod(0o755)
    for p in [root / "etc" / "passwd", root / "ok.txt", base / "canary.txt",
              base / "outdir" / "o.txt"]:
        p.chmod(0o644)
    srv = make_server(anon_root=root)
    c = RawFTP(srv.host, srv.port)
    try:
        login(c)
        assert c.cmd("TYPE I")[0] == 200
        for path in ("/etc/passwd", "../../../etc/passwd", "abs-passwd",
                     "sub/deeper/rel-passwd", "sub/../../etc/passwd"):
            code, data = try_transfer(c, f"RETR {path}")
            assert (code, data) == (226, b"INSIDE-PASSWD\n"), path
        for path in ("../canary.txt", "canary-rel", "canary-abs", "outdir-rel/o.txt",
                     "outdir-abs/o.txt", "../outdir/o.txt",
                     str(base / "canary.txt"), "../" + "/".join(base.parts[1:]) + "/canary.txt"):
            code, data = try_transfer(c, f"RETR {path}")
            assert code == 550, (path, data)
            assert data is None
        for path in ("outdir-rel", "outdir-abs", str(base / "outdir")):
            assert c.cmd(f"CWD {path}")[0] == 550, path
            code, data = try_transfer(c, f"LIST {path}")
            assert code == 550 and data is None, path
        code, data = try_transfer(c, "LIST -a ..")
        assert code == 226 and b"CANARY" not in data
        assert sorted(n for n in names_of_listing(data) if n not in (".", "..")) == sorted(
            os.listdir(root))
    finally:
        c.close()
    assert_serves(srv, root, "ok.txt")


def test_traversal_through_curl(server, tree, tmp_path):
    for extra in ([], ["--ftp-method", "nocwd"], ["--ftp-method", "singlecwd"]):
        for path in ("../../../etc/passwd", "%2Fetc/passwd", "pub/link-dotdot-out", "link-abs-out"):
            out = tmp_path / "out"
            if out.exists():
                out.unlink()
            r = run(["curl", "-sS", "--path-as-is", "--max-time", str(T)] + extra +
                    ["-o", str(out), server.url(path)], timeout=T + 10)
            assert r.returncode != 0, (extra, path)
            assert not out.exists() or b"root:" not in out.read_bytes()
    assert_serves(server, tree)


# ---------------------------------------------------------- write verbs

WRITE_CMDS = [
    "STOR new.txt", "STOR text.txt", "STOU", "STOU new.txt", "APPE text.txt", "APPE new.txt",
    "DELE text.txt", "DELE secret.txt", "DELE link-inside.txt", "DELE ../../etc/passwd",
    "MKD newdir", "XMKD newdir", "MKD pub/newdir", "RMD pub/nested", "XRMD pub/nested",
    "RMD pub", "RNFR text.txt", "RNTO renamed.txt", "RNFR pub", "RNTO pub2",
    "MFMT 20000101000000 text.txt", "SITE CHMOD 777 text.txt", "SITE CHMOD 000 pub",
    "site chmod 0777 .",
]


def test_write_verbs_refused_tree_unchanged(server, tree, c):
    before = snapshot(tree)
    for cmd in WRITE_CMDS:
        # with a data connection ready, as a client would have it
        port = epsv_port(c)
        d = socket.create_connection(("127.0.0.1", port), timeout=T)
        try:
            code, text = c.cmd(cmd)
            assert code == 550, (cmd, text)
            if cmd.startswith(("STOR", "STOU", "APPE")):
                try:
                    d.sendall(b"uploaded data that must not land\n")
                except OSError:
                    pass
        finally:
            d.close()
        assert c.cmd("NOOP")[0] == 200
    time.sleep(0.2)
    assert snapshot(tree) == before
    assert_serves(server, tree)


def test_write_through_clients_refused(server, tree, tmp_path):
    before = snapshot(tree)
    src = tmp_path / "upload.txt"
    src.write_bytes(b"upload attempt\n")
    f = server.ftp(timeout=T)
    try:
        with pytest.raises(ftplib.error_perm, match="^550"):
            with open(src, "rb") as fh:
                f.storbinary("STOR upload.txt", fh)
        with pytest.raises(ftplib.error_perm, match="^550"):
            with open(src, "rb") as fh:
                f.storbinary("APPE text.txt", fh)
        with pytest.raises(ftplib.error_perm, match="^550"):
            f.mkd("made")
        with pytest.raises(ftplib.error_perm, match="^550"):
            f.rmd("pub")
        with pytest.raises(ftplib.error_perm, match="^550"):
            f.delete("text.txt")
        with pytest.raises(ftplib.error_perm, match="^550"):
            f.rename("text.txt", "moved.txt")
        f.voidcmd("NOOP")
        f.quit()
    finally:
        f.close()
    r = run(["curl", "-sS", "--max-time", str(T), "-T", str(src), server.url("curl-up.txt")],
            timeout=T + 10)
    assert r.returncode != 0
    r = run(["curl", "-sS", "--max-time", str(T), "-Q", "DELE text.txt", server.url("")],
            timeout=T + 10)
    assert r.returncode != 0
    r = run(["lftp", "-c", f"set net:max-retries 1; set net:timeout 10; "
             f"open -p {server.port} {server.host}; put {src} -o lftp-up.txt"], timeout=T + 10)
    assert r.returncode != 0
    assert snapshot(tree) == before
    assert_serves(server, tree)


# --------------------------------------------------------------- bounce

def listener(host, port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(4)
    s.setblocking(False)
    return s


def nothing_arrives(ls, wait=1.0):
    r, _, _ = select.select([ls], [], [], wait)
    return not r


def low_port_listener():
    if os.geteuid() != 0:
        return None
    for port in range(1023, 900, -1):
        try:
            return listener("127.0.0.1", port)
        except OSError:
            continue
    return None


def port_arg(ip, port):
    return ",".join(ip.split(".")) + f",{port >> 8},{port & 255}"


def test_port_eprt_bounce_refused(server, tree, c):
    other = listener("127.0.0.2")
    oport = other.getsockname()[1]
    low = low_port_listener()
    try:
        attempts = [f"PORT {port_arg('127.0.0.2', oport)}",
                    f"EPRT |1|127.0.0.2|{oport}|",
                    f"PORT {port_arg('255.255.255.255', oport)}",
                    f"PORT {port_arg('10.1.2.3', oport)}",
                    f"PORT {port_arg('127.0.0.1', 21)}",
                    "EPRT |1|127.0.0.1|1023|",
                    f"PORT {port_arg('127.0.0.1', 1)}"]
        if low is not None:
            lport = low.getsockname()[1]
            attempts += [f"PORT {port_arg('127.0.0.1', lport)}", f"EPRT |1|127.0.0.1|{lport}|"]
        for cmd in attempts:
            code, text = c.cmd(cmd)
            assert code == 500, (cmd, text)
            code, text = c.cmd("RETR text.txt")
            assert code == 425, (cmd, text)
            code, text = c.cmd("LIST")
            assert code == 425, (cmd, text)
        # a refused PORT also forgets an earlier good one
        good = listener("127.0.0.1")
        try:
            gp = good.getsockname()[1]
            assert c.cmd(f"PORT {port_arg('127.0.0.1', gp)}")[0] == 200
            assert c.cmd(f"PORT {port_arg('127.0.0.2', oport)}")[0] == 500
            assert c.cmd("RETR text.txt")[0] == 425
            assert nothing_arrives(good, 0.3)
        finally:
            good.close()
        assert nothing_arrives(other), "the server connected to 127.0.0.2"
        if low is not None:
            assert nothing_arrives(low, 0.2), "the server connected to a privileged port"
        assert c.cmd("NOOP")[0] == 200
    finally:
        other.close()
        if low is not None:
            low.close()
    assert server.log().count("bounce protection") >= len(attempts)
    assert_serves(server, tree)


def test_unspecified_address_means_the_client(server, tree, c):
    """PORT/EPRT with 0.0.0.0 (lftp sends "::" from a wildcard socket)
    names no third party: the server connects back to the control peer."""
    assert c.cmd("TYPE I")[0] == 200
    for cmd in ("PORT {}", "EPRT |1|0.0.0.0|{}|"):
        ls = listener("127.0.0.1")
        try:
            port = ls.getsockname()[1]
            arg = port_arg("0.0.0.0", port) if cmd.startswith("PORT") else port
            assert c.cmd(cmd.format(arg))[0] == 200
            c.send(b"RETR text.txt\r\n")
            ls.settimeout(T)
            conn, peer = ls.accept()
            assert peer[0] == "127.0.0.1"
            data = b""
            conn.settimeout(T)
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            conn.close()
            assert data == (tree / "text.txt").read_bytes()
            assert c.reply()[0] == 150
            assert c.reply()[0] == 226
        finally:
            ls.close()
    code, _ = c.cmd(f"PORT {port_arg('0.0.0.0', 1023)}")
    assert code == 500, "a privileged port stays refused"
    assert_serves(server, tree)


class RawFrom(RawFTP):
    """A raw control connection from a chosen local address."""

    def __init__(self, host, port, src, timeout=T):
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(src, 0))
        self.buf = b""
        self.greeting = self.reply()


def test_bounce_rules_follow_the_control_peer(server, tree):
    """Seen from a client at 127.0.0.2, the server's own 127.0.0.1 is
    another host: PORT/EPRT there are refused, the client's own address
    works, and passive data from 127.0.0.1 is refused."""
    c = RawFrom(server.host, server.port, "127.0.0.2")
    here = listener("127.0.0.1")
    mine = listener("127.0.0.2")
    try:
        login(c)
        hp, mp = here.getsockname()[1], mine.getsockname()[1]
        for cmd in (f"PORT {port_arg('127.0.0.1', hp)}", f"EPRT |1|127.0.0.1|{hp}|"):
            code, text = c.cmd(cmd)
            assert code == 500, (cmd, text)
            assert c.cmd("RETR text.txt")[0] == 425
        assert nothing_arrives(here, 0.5)
        # the client's own address: allowed, and the data really goes there
        assert c.cmd(f"EPRT |1|127.0.0.2|{mp}|")[0] == 200
        assert c.cmd("TYPE I")[0] == 200
        c.send(b"RETR four_k.bin\r\n")
        mine.settimeout(T)
        d, peer = mine.accept()
        assert c.reply()[0] == 150
        assert recv_all(d) == (tree / "four_k.bin").read_bytes()
        assert c.reply()[0] == 226
        # passive: a data connection from 127.0.0.1 is not this client's
        port = epsv_port(c)
        thief = socket.create_connection(("127.0.0.1", port), timeout=T,
                                         source_address=("127.0.0.1", 0))
        c.send(b"RETR four_k.bin\r\n")
        assert recv_all(thief) == b""
        d = socket.create_connection(("127.0.0.1", port), timeout=T,
                                     source_address=("127.0.0.2", 0))
        assert c.reply()[0] == 150
        assert recv_all(d) == (tree / "four_k.bin").read_bytes()
        assert c.reply()[0] == 226
    finally:
        c.close()
        here.close()
        mine.close()
    server.wait_log(r"refused passive data connection from 127\.0\.0\.1")
    assert_serves(server, tree)


# ------------------------------------------------------ PASV port theft

@pytest.mark.parametrize("verb", ["PASV", "EPSV"])
def test_pasv_port_theft(server, tree, c, verb):
    assert c.cmd("TYPE I")[0] == 200
    code, text = c.cmd(verb)
    if verb == "PASV":
        assert code == 227, text
        n = [int(x) for x in re.search(r"\((\d+(?:,\d+){5})\)", text).group(1).split(",")]
        port = n[4] * 256 + n[5]
    else:
        assert code == 229, text
        port = int(re.search(r"\|\|\|(\d+)\|", text).group(1))
    thief = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    thief.settimeout(T)
    thief.bind(("127.0.0.2", 0))
    thief.connect(("127.0.0.1", port))
    try:
        c.send(b"RETR ten_m.bin\r\n")
        # the server accepts and drops the intruder, without data
        stolen = recv_all(thief)
        assert stolen == b"", f"intruder received {len(stolen)} bytes"
        d = socket.create_connection(("127.0.0.1", port), timeout=T)
        code, text = c.reply()
        assert code == 150, text
        data = recv_all(d)
        code, text = c.reply()
        assert code == 226, text
        assert data == (tree / "ten_m.bin").read_bytes()
    finally:
        thief.close()
    server.wait_log(r"refused passive data connection from 127\.0\.0\.2")
    assert_serves(server, tree)


# ------------------------------------------------------ malformed input

def after_overlong(conn):
    """What follows a refused over-long line: either the server closed
    the connection, or the session goes on in step (the next command gets
    the next reply). Returns True if the session is still open."""
    try:
        code, text = conn.cmd("NOOP")
    except (EOFError, ConnectionResetError, BrokenPipeError):
        return False
    assert code == 200, f"out of step after an over-long line: {text!r}"
    return True


@pytest.mark.parametrize("logged_in", [False, True])
def test_overlong_line_500_and_tail_never_runs(server, tree, raw, logged_in):
    """A 5000-byte line gets 500; nothing inside it runs, not even a verb
    that falls after the 4 KiB limit."""
    conn = raw()
    if logged_in:
        login(conn)
    conn.send(b"NOOP " + b"a" * 4995 + b"\r\n")  # 5000 bytes before CRLF
    code, text = conn.reply()
    assert code == 500, text
    if after_overlong(conn):
        # smuggling: "QUIT" / "SYST" after the limit must be discarded
        conn.send(b"NOOP " + b"a" * 4200 + b"\r\nQUIT" + b"b" * 5000 + b"SYST\r\nPWD\r\n")
        assert conn.reply()[0] == 500
        code, text = conn.reply()
        assert code == 500, f"the tail of an over-long line was run: {text!r}"
        code, text = conn.reply()
        assert code == (257 if logged_in else 530), text
        assert conn.cmd("NOOP")[0] == 200
    else:
        assert conn.closed()
    assert_serves(server, tree)


def test_endless_line_without_newline(server, tree, raw):
    conn = raw()
    login(conn)
    try:
        conn.send(b"RETR " + b"x" * 100000)
        conn.send(b"SYST" + b"y" * 10000)
    except (BrokenPipeError, ConnectionResetError):
        pass
    code, text = conn.reply()
    assert code == 500, text
    try:
        conn.send(b"\r\nPWD\r\n")
        code, text = conn.reply()
    except (EOFError, ConnectionResetError, BrokenPipeError):
        code, text = None, None  # closed: also safe
    if code is not None:
        # the 110 KB line ends at the LF: one refusal, SYST never ran
        assert code == 257, text
        assert conn.cmd("NOOP")[0] == 200
    assert_serves(server, tree)


@pytest.mark.parametrize("line", [b"RETR te\x00xt.txt", b"NO\x00OP", b"\x00", b"USER anony\x00mous",
                                  b"CWD pub\x00/../..", b"SIZE text.txt\x00"])
def test_nul_in_command_501(server, tree, raw, line):
    conn = raw()
    conn.send(line + b"\r\n")
    code, text = conn.reply()
    assert code == 501, (line, text)
    login(conn)
    conn.send(line + b"\r\n")
    code, text = conn.reply()
    assert code == 501, (line, text)
    assert conn.cmd("NOOP")[0] == 200
    assert conn.cmd("PWD")[1].startswith('257 "/"')
    assert_serves(server, tree)


@pytest.mark.parametrize("verb", ["GET", "POST", "HEAD", "PUT", "DELETE", "CONNECT", "OPTIONS"])
def test_http_verbs_close_without_reply(server, tree, raw, verb):
    conn = raw()
    conn.send(f"{verb} / HTTP/1.0\r\n".encode())
    conn.sock.settimeout(T)
    got = b""
    try:
        while True:
            b = conn.sock.recv(4096)
            if not b:
                break
            got += b
    except ConnectionResetError:
        pass
    assert got == b"", f"{verb}: the server answered {got!r}"
    assert_serves(server, tree)


def test_http_request_after_login_and_lowercase(server, tree, raw):
    for login_first, line in [(True, b"GET /index.html HTTP/1.1"), (False, b"post /form HTTP/1.1"),
                              (False, b"CONNECT example.org:443 HTTP/1.1")]:
        conn = raw()
        if login_first:
            login(conn)
        conn.send(line + b"\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
        conn.sock.settimeout(T)
        got = b""
        try:
            while True:
                b = conn.sock.recv(4096)
                if not b:
                    break
                got += b
        except ConnectionResetError:
            pass
        assert got == b"", (line, got)
    assert_serves(server, tree)


def test_ten_unknown_commands_before_login_421(server, tree, raw):
    conn = raw()
    for i in range(9):
        code, text = conn.cmd(f"BOGUS{chr(65 + i)} x")
        assert code == 500, (i, text)
    code, text = conn.cmd("BOGUSJ")
    assert code == 421, text
    assert conn.closed()
    # empty lines and junk verbs count too
    conn = raw()
    conn.send(b"\r\n" * 5 + b"123\r\n" * 4 + b"??\r\n")
    codes = [conn.reply()[0] for _ in range(10)]
    assert codes == [500] * 9 + [421], codes
    assert conn.closed()
    # known verbs refused with 530 do not count
    conn = raw()
    for _ in range(20):
        assert conn.cmd("PWD")[0] == 530
    for _ in range(9):
        assert conn.cmd("BOGUS")[0] == 500
    login(conn)
    for _ in range(5):
        assert conn.cmd("BOGUS")[0] == 500  # after login: no limit
    assert conn.cmd("NOOP")[0] == 200
    assert_serves(server, tree)


def test_special_files_never_hang_or_leak(make_server, tmp_path):
    """A FIFO, a device node, a symlink loop and a /proc magic link in the
    tree: 550, no hang, the session goes on."""
    root = tmp_path / "special"
    root.mkdir()
    root.chmod(0o755)
    (root / "ok.txt").write_bytes(b"ok\n")
    (root / "ok.txt").chmod(0o644)
    os.mkfifo(root / "fifo", 0o644)
    os.symlink("loop", root / "loop")
    os.symlink("/proc/self/root/etc/passwd", root / "magic")
    os.symlink("/dev/zero", root / "devzero")
    names = ["fifo", "loop", "magic", "devzero"]
    if os.geteuid() == 0:
        os.mknod(root / "zero", 0o644 | 0o020000, os.makedev(1, 5))  # like /dev/zero
        names.append("zero")
    srv = make_server(anon_root=root)
    c = RawFTP(srv.host, srv.port)
    try:
        login(c)
        for name in names:
            t0 = time.monotonic()
            code, data = try_transfer(c, f"RETR {name}")
            assert code == 550 and data is None, (name, code)
            assert time.monotonic() - t0 < 10, name
            assert c.cmd(f"SIZE {name}")[0] == 550, name
        for name in ("loop", "magic", "devzero"):
            assert c.cmd(f"CWD {name}")[0] == 550
        assert c.cmd("NOOP")[0] == 200
    finally:
        c.close()
    assert_serves(srv, root, "ok.txt")


# ------------------------------------------------- listing abuse

def listing_tree(tmp_path):
    root = tmp_path / "names"
    root.mkdir()
    root.chmod(0o755)
    bad = ["a\nforged-entry", "b\rcr-entry",
           "c\r\n-rw-r--r--    1 ftp      ftp             0 Jan  1  2020 fake.txt"]
    good = ["ok.txt", "tab\there", "loopdir"]
    for n in bad + good[:2]:
        (root / n).write_bytes(b"x\n")
        (root / n).chmod(0o644)
    (root / "loopdir").mkdir()
    os.symlink("..", root / "loopdir" / "up")  # a loop for any recursion
    return root, bad, sorted(good, key=os.fsencode)


def test_names_with_cr_lf_cannot_forge_listing_lines(make_server, tmp_path):
    root, bad, good = listing_tree(tmp_path)
    srv = make_server(anon_root=root)
    c = RawFTP(srv.host, srv.port)
    try:
        login(c)
        for cmd in ("LIST", "LIST -a", "NLST", "NLST -a", "MLSD"):
            code, data = try_transfer(c, cmd)
            if cmd == "MLSD" and code in (500, 502):
                continue
            assert code == 226, (cmd, code)
            assert b"forged-entry" not in data and b"fake.txt" not in data, (cmd, data)
            assert b"cr-entry" not in data, (cmd, data)
            lines = data.split(b"\r\n")
            assert lines[-1] == b"" and all(b"\r" not in l and b"\n" not in l for l in lines)
            if cmd == "NLST":
                assert [l.decode() for l in lines[:-1]] == good
            if cmd == "LIST":
                assert names_of_listing(data) == good
        code, text = c.cmd("STAT .")
        assert code == 213
        assert "forged-entry" not in text and "fake.txt" not in text and "cr-entry" not in text
        assert len(text.split("\n")) == 2 + len(good), text
    finally:
        c.close()
    assert_serves(srv, root, "ok.txt")


def test_listing_does_not_recurse_or_glob(make_server, tmp_path):
    root, bad, good = listing_tree(tmp_path)
    srv = make_server(anon_root=root)
    c = RawFTP(srv.host, srv.port)
    try:
        login(c)
        for cmd in ("LIST -R", "LIST -laR /", "NLST -R", "LIST -R loopdir"):
            t0 = time.monotonic()
            code, data = try_transfer(c, cmd)
            assert code == 226, (cmd, code)
            assert time.monotonic() - t0 < 5, cmd
            names = [n for n in (names_of_listing(data) if cmd.startswith("LIST")
                                 else data.decode().split("\r\n")[:-1]) if n not in (".", "..")]
            assert names == (["up"] if "loopdir" in cmd else good), (cmd, names)
        # glob patterns (CVE-2011-0418-style brace bombs) end quickly
        for pattern in ("{*,*}" * 40, "*/*/*/*/*/*/*/*/*/*/*/*", "[" * 1000, "*" * 3000):
            t0 = time.monotonic()
            code, data = try_transfer(c, f"NLST {pattern}")
            assert time.monotonic() - t0 < 5, pattern[:20]
            assert code in (226, 450, 550, 553), (pattern[:20], code)
            assert data is None or len(data) < 1000
        assert c.cmd("NOOP")[0] == 200
    finally:
        c.close()
    assert_serves(srv, root, "ok.txt")
