"""Downloads through real clients (curl, lftp, wget, tnftp, python ftplib)
in passive and active mode: byte-identical files of the sizes that matter,
the sparse file above 4 GiB (SIZE, MDTM, REST, ranges, resume), TYPE A
conversion on the wire, odd names, symlinks inside the root, the engine
named in the transfer log, and IPv6 (EPSV/EPRT over ::1).

Every client call is bounded by a timeout; every server listens on
loopback only.
"""
import os
import re
import socket
import subprocess
import time
import urllib.parse

import pytest

from conftest import BIG_SPARSE, RawFTP, run, sha256, sha256_file

T = 60  # seconds: upper bound for one client call
SIZES = ["empty.bin", "one.bin", "four_k.bin", "ten_m.bin"]
ODD_NAMES = ["name with spaces.txt", "-leading-dash.txt", "caf\u00e9-\u00fc\u00f1\u00ee.txt"]
UTF8_ENV = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")


# --------------------------------------------------------------- clients

def _url(srv, remote):
    return srv.url(urllib.parse.quote(remote))


def fetch_curl(srv, remote, local, mode, extra=()):
    argv = ["curl", "-sS", "-g", "--max-time", str(T), "--connect-timeout", "10",
            "-o", str(local)]
    argv += {"epsv": [], "pasv": ["--disable-epsv"], "eprt": ["-P", "-"],
             "port": ["-P", "-", "--disable-eprt"]}[mode]
    argv += list(extra)
    argv.append(_url(srv, remote))
    return run(argv, timeout=T + 10)


def _lftp_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fetch_lftp(srv, remote, local, mode):
    if remote.startswith("-"):
        remote = "./" + remote  # not an option to lftp's get
    script = "; ".join([
        "set net:timeout 10", "set net:max-retries 1",
        "set net:reconnect-interval-base 1", "set net:persist-retries 0",
        "set ftp:passive-mode " + ("on" if mode == "passive" else "off"),
        "set xfer:clobber on",
        f"open -u anonymous,test@example.org -p {srv.port} {srv.host}",
        f"get {_lftp_quote(remote)} -o {_lftp_quote(str(local))}",
    ])
    return run(["lftp", "-c", script], timeout=T + 10, env=UTF8_ENV)


def fetch_wget(srv, remote, local, mode):
    argv = ["wget", "-q", "--tries=1", f"--timeout={T}", "-O", str(local)]
    if mode == "active":
        argv.append("--no-passive-ftp")
    argv.append(_url(srv, remote))
    return run(argv, timeout=T + 10)


def fetch_tnftp(srv, remote, local, mode):
    argv = ["tnftp", "-V", "-q", str(T), "-A" if mode == "active" else "-p",
            "-o", str(local), _url(srv, remote)]
    return run(argv, timeout=T + 10, stdin=subprocess.DEVNULL)


class FtplibResult:
    returncode = 0
    stdout = b""
    stderr = b""


def fetch_ftplib(srv, remote, local, mode):
    f = srv.ftp(timeout=T)
    try:
        f.set_pasv(mode == "passive")
        with open(local, "wb") as out:
            f.retrbinary("RETR " + remote, out.write)
        f.quit()
    finally:
        f.close()
    return FtplibResult()


FETCH = {"curl": fetch_curl, "lftp": fetch_lftp, "wget": fetch_wget,
         "tnftp": fetch_tnftp, "ftplib": fetch_ftplib}

CLIENTS = [("curl", "epsv"), ("curl", "pasv"), ("curl", "eprt"), ("curl", "port"),
           ("lftp", "passive"), ("lftp", "active"),
           ("wget", "passive"), ("wget", "active"),
           ("tnftp", "passive"), ("tnftp", "active"),
           ("ftplib", "passive"), ("ftplib", "active")]
ACTIVE_MODES = {"eprt", "port", "active"}
# the data-connection verbs each client/mode must have used
EXPECT_VERB = {"epsv": r"EPSV", "pasv": r"PASV", "eprt": r"EPRT", "port": r"PORT",
               "passive": r"(PASV|EPSV)", "active": r"(PORT|EPRT)"}


def check_fetch(result, local, expected_path, what):
    assert result.returncode == 0, (
        f"{what}: client failed rc={result.returncode}\n"
        f"stdout={result.stdout[-2000:]!r}\nstderr={result.stderr[-2000:]!r}")
    assert local.exists(), f"{what}: no local file"
    assert local.stat().st_size == expected_path.stat().st_size, what
    assert sha256_file(local) == sha256_file(expected_path), f"{what}: content differs"


def check_data_verbs(srv, mode):
    log = srv.log()
    want = EXPECT_VERB[mode]
    assert re.search(r"< " + want + r"\b", log), f"client never sent {want}:\n{log[-3000:]}"
    other = r"(PORT|EPRT)" if mode not in ACTIVE_MODES else r"(PASV|EPSV)"
    assert not re.search(r"< " + other + r"\b", log), f"unexpected {other}:\n{log[-3000:]}"


def escaped(path):
    """A path as the server's log writes it (non-ASCII as \\xNN)."""
    out = []
    for b in path.encode():
        out.append(chr(b) if 0x20 <= b < 0x7f and b != 0x5c else f"\\x{b:02x}")
    return "".join(out)


def xfer_log_re(path, nbytes, engine=r"\S+", result="ok"):
    return (r"RETR " + re.escape(escaped(path)) + rf" bytes={nbytes} seconds=[0-9]+\.[0-9]+ "
            rf"engine={engine} result={result}")


def ids(p):
    return f"{p[0]}-{p[1]}"


# ------------------------------------------------------ byte-identical

@pytest.mark.parametrize("client,mode", CLIENTS, ids=[ids(c) for c in CLIENTS])
def test_sizes_byte_identical(server, tree, tmp_path, client, mode):
    for i, name in enumerate(SIZES):
        local = tmp_path / f"dl{i}.out"
        r = FETCH[client](server, name, local, mode)
        check_fetch(r, local, tree / name, f"{client}/{mode} {name}")
    for name in SIZES:
        server.wait_log(xfer_log_re("/" + name, (tree / name).stat().st_size), timeout=10)
    check_data_verbs(server, mode)


@pytest.mark.parametrize("client,mode", CLIENTS, ids=[ids(c) for c in CLIENTS])
def test_odd_names(server, tree, tmp_path, client, mode):
    for i, name in enumerate(ODD_NAMES):
        local = tmp_path / f"odd{i}.out"
        r = FETCH[client](server, name, local, mode)
        check_fetch(r, local, tree / name, f"{client}/{mode} {name!r}")
        server.wait_log(xfer_log_re("/" + name, (tree / name).stat().st_size), timeout=10)
    check_data_verbs(server, mode)


@pytest.mark.parametrize("client", ["curl", "ftplib", "wget"])
def test_symlink_inside_root(server, tree, tmp_path, client):
    mode = "epsv" if client == "curl" else "passive"
    cases = [("link-inside.txt", tree / "text.txt"),
             ("link-dir/readme.txt", tree / "pub" / "readme.txt"),
             ("link-dir/nested/deep.txt", tree / "pub" / "nested" / "deep.txt")]
    for i, (remote, real) in enumerate(cases):
        local = tmp_path / f"link{i}.out"
        r = FETCH[client](server, remote, local, mode)
        check_fetch(r, local, real, f"{client} {remote}")


# ------------------------------------------------- the sparse > 4 GiB file

def read_at(path, off, n):
    with open(path, "rb") as f:
        f.seek(off)
        return f.read(n)


def test_big_sparse_size_and_mdtm(server, tree):
    st = (tree / "big.sparse").stat()
    assert st.st_size == BIG_SPARSE > 2 ** 32
    f = server.ftp()
    try:
        f.voidcmd("TYPE I")
        assert f.sendcmd("SIZE big.sparse") == f"213 {BIG_SPARSE}"
        assert f.size("big.sparse") == BIG_SPARSE
        want = time.strftime("%Y%m%d%H%M%S", time.gmtime(st.st_mtime))
        assert f.sendcmd("MDTM big.sparse") == f"213 {want}"
        f.quit()
    finally:
        f.close()


@pytest.mark.parametrize("back", [5, 6, 4096 + 5, 3 * 1024 * 1024 + 7])
def test_big_sparse_rest_tail(server, tree, back):
    """REST at an offset above 4 GiB, then RETR: exactly the tail."""
    off = BIG_SPARSE - back
    assert off > 2 ** 32
    f = server.ftp()
    try:
        f.voidcmd("TYPE I")
        chunks = []
        f.retrbinary("RETR big.sparse", chunks.append, rest=off)
        got = b"".join(chunks)
        f.voidcmd("NOOP")
        f.quit()
    finally:
        f.close()
    assert len(got) == back
    assert got == read_at(tree / "big.sparse", off, back)
    assert got.endswith(b"tail!")
    server.wait_log(xfer_log_re("/big.sparse", back, engine="sendfile"))


@pytest.mark.parametrize("off", [2 ** 32, 2 ** 32 + 1, 2 ** 32 + 4095, BIG_SPARSE - (1 << 20) - 3])
def test_big_sparse_rest_partial_read(server, tree, off):
    """REST at and just past the 4 GiB boundary: the 150 reply counts what
    is left, the first bytes are those at the offset; closing the data
    connection early ends the transfer and the session goes on."""
    c = RawFTP(server.host, server.port)
    try:
        login(c)
        assert c.cmd("TYPE I")[0] == 200
        code, text = c.cmd(f"REST {off}")
        assert code == 350, text
        d = pasv_connect(c)
        c.send(b"RETR big.sparse\r\n")
        code, text = c.reply()
        assert code == 150, text
        assert f"({BIG_SPARSE - off} bytes)" in text, text
        want = min(256 * 1024, BIG_SPARSE - off)
        got = recv_exact(d, want)
        d.close()
        assert got == read_at(tree / "big.sparse", off, want)
        code, text = c.reply()
        # the whole rest cannot have been sent: 426 (aborted) or, for
        # the last MiB only, possibly 226
        assert code in (426, 226), text
        assert c.cmd("NOOP")[0] == 200
        assert c.cmd("QUIT")[0] == 221
    finally:
        c.close()
    assert_serves_file(server, tree, "four_k.bin")


def test_reset_after_send_replies_at_once(server, tree):
    """The whole rest fits in the socket buffers, so the server's send
    finishes; the client then resets the data connection without reading
    (close with unread data sends RST). The final reply comes at once,
    not after the ten-second wait for acknowledgements that the reset
    leaves counted in SIOCOUTQ: 226 (all was sent; the log names the
    reset) or 426 if the reset beat the last send."""
    size = (tree / "ten_m.bin").stat().st_size
    c = RawFTP(server.host, server.port)
    try:
        login(c)
        assert c.cmd("TYPE I")[0] == 200
        assert c.cmd(f"REST {size - 96 * 1024}")[0] == 350
        code, text = c.cmd("EPSV")
        assert code == 229, text
        port = int(re.search(r"\(\|\|\|(\d+)\|\)", text).group(1))
        d = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        d.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        d.settimeout(T)
        d.connect((server.host, port))
        c.send(b"RETR ten_m.bin\r\n")
        code, text = c.reply()
        assert code == 150, text
        assert d.recv(1)  # data flows; the rest waits unread
        time.sleep(0.3)   # let the server hand the rest to the kernel
        d.close()         # unread data: RST
        c.sock.settimeout(5)
        code, text = c.reply()
        assert code in (226, 426), text
        if code == 226:
            server.wait_log(r"(?m)RETR \S*ten_m\.bin bytes=98304 .*"
                            r"result=ok .*closed=peer-reset$", timeout=5)
        c.sock.settimeout(T)
        assert c.cmd("NOOP")[0] == 200
    finally:
        c.close()
    assert_serves_file(server, tree, "four_k.bin")


def test_big_sparse_rest_edges(server, tree):
    c = RawFTP(server.host, server.port)
    try:
        login(c)
        assert c.cmd("TYPE I")[0] == 200
        # REST == size: an empty transfer that completes
        assert c.cmd(f"REST {BIG_SPARSE}")[0] == 350
        d = pasv_connect(c)
        c.send(b"RETR big.sparse\r\n")
        assert c.reply()[0] == 150
        assert recv_all(d) == b""
        assert c.reply()[0] == 226
        # REST beyond the end: 554, no transfer
        assert c.cmd(f"REST {BIG_SPARSE + 1}")[0] == 350
        code, text = c.cmd("RETR big.sparse")
        assert code == 554, text
        # REST in TYPE A: 550
        assert c.cmd("TYPE A")[0] == 200
        assert c.cmd("REST 10")[0] == 350
        code, text = c.cmd("RETR text.txt")
        assert code == 550, text
        # a REST is used once: the next RETR starts at 0
        assert c.cmd("TYPE I")[0] == 200
        assert c.cmd("REST 3")[0] == 350
        d = pasv_connect(c)
        c.send(b"RETR text.txt\r\n")
        assert c.reply()[0] == 150
        assert recv_all(d) == (tree / "text.txt").read_bytes()[3:]
        assert c.reply()[0] == 226
        d = pasv_connect(c)
        c.send(b"RETR text.txt\r\n")
        assert c.reply()[0] == 150
        assert recv_all(d) == (tree / "text.txt").read_bytes()
        assert c.reply()[0] == 226
    finally:
        c.close()


@pytest.mark.parametrize("rng", [
    (2 ** 32, 2 ** 32 + 99),                    # at the 4 GiB boundary
    (2 ** 32 - 10, 2 ** 32 + 9),                # across it
    (BIG_SPARSE - 10, BIG_SPARSE - 1),          # the last bytes
    (BIG_SPARSE - 100000, None),                # open-ended, past 4 GiB
    (None, 37),                                 # suffix: the last 37 bytes
])
def test_big_sparse_curl_range(server, tree, tmp_path, rng):
    start, end = rng
    if start is None:
        spec, off, n = f"-{end}", BIG_SPARSE - end, end
    elif end is None:
        spec, off, n = f"{start}-", start, BIG_SPARSE - start
    else:
        spec, off, n = f"{start}-{end}", start, end - start + 1
    local = tmp_path / "range.out"
    r = fetch_curl(server, "big.sparse", local, "epsv", extra=["-r", spec])
    assert r.returncode == 0, r.stderr
    assert local.read_bytes() == read_at(tree / "big.sparse", off, n)
    # most of the file is zeros: prove the offset went to the server
    server.wait_log(r"< REST " + str(off) + r"\b")
    server.wait_log(r"RETR /big.sparse bytes=\d+ ")
    assert_serves_file(server, tree, "four_k.bin")


def test_big_sparse_curl_resume(server, tree, tmp_path):
    """curl -C - on a partial local copy of the > 4 GiB file: only the
    missing tail crosses the wire."""
    local = tmp_path / "big.part"
    have = BIG_SPARSE - 3000
    with open(local, "wb") as f:
        f.truncate(have)  # sparse: zeros, as the remote has there
    r = fetch_curl(server, "big.sparse", local, "epsv", extra=["-C", "-"])
    assert r.returncode == 0, r.stderr
    assert local.stat().st_size == BIG_SPARSE
    assert read_at(local, have - 10, 3010) == read_at(tree / "big.sparse", have - 10, 3010)
    server.wait_log(r"< REST " + str(have))
    server.wait_log(xfer_log_re("/big.sparse", 3000, engine="sendfile"))


@pytest.mark.parametrize("mode", ["epsv", "port"])
def test_curl_resume_partial_copy(server, tree, tmp_path, mode):
    src = (tree / "ten_m.bin").read_bytes()
    local = tmp_path / "ten_m.part"
    have = 3 * 1024 * 1024 + 17
    local.write_bytes(src[:have])
    r = fetch_curl(server, "ten_m.bin", local, mode, extra=["-C", "-"])
    assert r.returncode == 0, r.stderr
    assert sha256_file(local) == sha256(src)
    server.wait_log(xfer_log_re("/ten_m.bin", len(src) - have, engine="sendfile"))


# ------------------------------------------------------------- TYPE A

def ascii_expected(data):
    """LF -> CRLF exactly once: an LF already preceded by CR stays."""
    return re.sub(rb"(?<!\r)\n", b"\r\n", data)


def ftplib_wire(srv, cmd, type_):
    f = srv.ftp(timeout=T)
    try:
        f.voidcmd("TYPE " + type_)
        conn = f.transfercmd(cmd)
        conn.settimeout(T)
        got = recv_all(conn)
        f.voidresp()
        f.quit()
    finally:
        f.close()
    return got


def test_type_a_crlf_on_the_wire(server, tree):
    text = (tree / "text.txt").read_bytes()
    got = ftplib_wire(server, "RETR text.txt", "A")
    assert got == b"line one\r\nline two\r\n\r\nlast line\r\n"
    assert got == ascii_expected(text)
    # CRLF in the file is kept, not doubled
    crlf = (tree / "crlf.txt").read_bytes()
    assert ftplib_wire(server, "RETR crlf.txt", "A") == crlf == b"dos line\r\nnext\r\n"
    # the same files in TYPE I are untouched
    assert ftplib_wire(server, "RETR text.txt", "I") == text
    assert ftplib_wire(server, "RETR crlf.txt", "I") == crlf
    server.wait_log(xfer_log_re("/text.txt", len(ascii_expected(text)), engine="copy-ascii"))


def test_type_a_binary_data_converted_once(server, tree):
    """10 MiB of random bytes in TYPE A: every bare LF gets a CR, CRLF
    pairs stay, including pairs split across the server's read chunks."""
    data = (tree / "ten_m.bin").read_bytes()
    got = ftplib_wire(server, "RETR ten_m.bin", "A")
    want = ascii_expected(data)
    assert len(got) == len(want)
    assert sha256(got) == sha256(want)
    server.wait_log(xfer_log_re("/ten_m.bin", len(want), engine="copy-ascii"))


def test_type_a_curl_round_trip(server, tree, tmp_path):
    """curl --use-ascii reads the CRLF text back to the local LF form."""
    local = tmp_path / "text.out"
    r = fetch_curl(server, "text.txt", local, "epsv", extra=["--use-ascii"])
    assert r.returncode == 0, r.stderr
    assert local.read_bytes() == (tree / "text.txt").read_bytes()
    server.wait_log(r"< TYPE A")
    server.wait_log(xfer_log_re("/text.txt", len(ascii_expected((tree / "text.txt").read_bytes())),
                                engine="copy-ascii"))


# --------------------------------------------------------- transfer log

def test_transfer_log_names_engine(server, tree, tmp_path):
    local = tmp_path / "t.out"
    check_fetch(fetch_ftplib(server, "ten_m.bin", local, "passive"), local,
                tree / "ten_m.bin", "binary")
    server.wait_log(r"RETR /ten_m.bin bytes=10485760 seconds=[0-9]+\.[0-9]+ "
                    r"engine=sendfile result=ok")
    assert ftplib_wire(server, "RETR text.txt", "A") == ascii_expected((tree / "text.txt").read_bytes())
    server.wait_log(r"RETR /text.txt bytes=33 seconds=[0-9]+\.[0-9]+ engine=copy-ascii result=ok")
    # a binary RETR never reports the ASCII engine and vice versa
    for line in server.log().splitlines():
        if "RETR /ten_m.bin bytes=" in line:
            assert "engine=sendfile" in line, line
        if "RETR /text.txt bytes=" in line:
            assert "engine=copy-ascii" in line, line


# ----------------------------------------------------------------- IPv6

def have_ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    except OSError as e:
        return f"no IPv6 sockets: {e}"
    try:
        s.bind(("::1", 0))
    except OSError as e:
        return f"cannot bind ::1: {e}"
    finally:
        s.close()
    return None


V6_CLIENTS = [("ftplib", "passive"), ("ftplib", "active"), ("curl", "epsv"), ("curl", "eprt"),
              ("wget", "passive"), ("wget", "active"), ("tnftp", "passive"),
              ("tnftp", "active"), ("lftp", "passive"), ("lftp", "active")]
# lftp's active mode over IPv6 sends "EPRT |2|::|port|" (the unspecified
# address): the server takes it as the client itself and connects back to
# the control peer.


@pytest.fixture
def v6server(make_server):
    why = have_ipv6_loopback()
    if why:
        pytest.skip(f"IPv6 loopback unavailable ({why})")
    srv = make_server(listen="[::1]:0")
    assert srv.host == "::1"
    return srv


@pytest.mark.parametrize("client,mode", V6_CLIENTS, ids=[ids(c) for c in V6_CLIENTS])
def test_ipv6_downloads(v6server, tree, tmp_path, client, mode):
    for i, name in enumerate(("ten_m.bin", "one.bin", "empty.bin", "caf\u00e9-\u00fc\u00f1\u00ee.txt")):
        local = tmp_path / f"v6-{i}.out"
        r = FETCH[client](v6server, name, local, mode)
        check_fetch(r, local, tree / name, f"IPv6 {client}/{mode} {name!r}")
    log = v6server.log()
    # lftp names the unspecified address "::" (see V6_CLIENTS)
    want = r"< EPRT \|2\|::1?\|\d+\|" if mode in ACTIVE_MODES else r"< EPSV\b"
    assert re.search(want, log), log[-3000:]
    assert not re.search(r"< (PASV|PORT)\b", log)
    v6server.wait_log(xfer_log_re("/ten_m.bin", 10485760, engine="sendfile"))


def test_ipv6_data_commands(v6server, tree):
    """PASV cannot describe an IPv6 address; EPSV/EPRT name the family."""
    c = RawFTP(v6server.host, v6server.port)
    try:
        login(c)
        code, text = c.cmd("PASV")
        assert code != 227 and code >= 400, text
        code, text = c.cmd("EPSV 1")
        assert code == 522, text
        code, text = c.cmd("EPSV 2")
        assert code == 229, text
        code, text = c.cmd("EPRT |1|127.0.0.1|5000|")
        assert code == 522, text
        code, text = c.cmd("PORT 127,0,0,1,19,136")
        assert code in (500, 501, 522), text
        code, text = c.cmd("EPRT |2|::2|5000|")       # not the client
        assert code == 500, text
        code, text = c.cmd("EPRT |2|::1|1023|")       # privileged port
        assert code == 500, text
        code, text = c.cmd("EPRT |2|::ffff:127.0.0.1|5000|")
        assert code in (500, 522), text
        assert c.cmd("RETR one.bin")[0] == 425
        # a working EPSV transfer on the same session
        d = pasv_connect(c)
        assert c.cmd("TYPE I")[0] == 200
        c.send(b"RETR four_k.bin\r\n")
        assert c.reply()[0] == 150
        assert recv_all(d) == (tree / "four_k.bin").read_bytes()
        assert c.reply()[0] == 226
    finally:
        c.close()
    assert_serves_file(v6server, tree, "one.bin")


# -------------------------------------------------------------- helpers

def login(c):
    assert c.cmd("USER anonymous")[0] == 331
    assert c.cmd("PASS test@example.org")[0] == 230


def pasv_connect(c):
    """EPSV on the raw connection, then connect the data socket."""
    code, text = c.cmd("EPSV")
    assert code == 229, text
    port = int(re.search(r"\(\|\|\|(\d+)\|\)", text).group(1))
    host = c.sock.getpeername()[0]
    return socket.create_connection((host, port), timeout=T)


def recv_all(sock):
    sock.settimeout(T)
    chunks = []
    while True:
        b = sock.recv(1 << 20)
        if not b:
            break
        chunks.append(b)
    sock.close()
    return b"".join(chunks)


def recv_exact(sock, n):
    sock.settimeout(T)
    buf = bytearray()
    while len(buf) < n:
        b = sock.recv(min(1 << 20, n - len(buf)))
        if not b:
            break
        buf += b
    return bytes(buf)


def assert_serves_file(srv, tree, name):
    f = srv.ftp(timeout=T)
    try:
        chunks = []
        f.retrbinary("RETR " + name, chunks.append)
        f.quit()
    finally:
        f.close()
    assert b"".join(chunks) == (tree / name).read_bytes()


def test_type_a_conversion_across_read_chunks(make_server, tmp_path):
    """CR and LF on both sides of the server's 64 KiB read boundaries:
    CRLF stays CRLF, a bare LF becomes CRLF, a bare CR stays."""
    root = tmp_path / "ascii"
    root.mkdir()
    k = 64 * 1024
    data = (b"a" * (k - 1) + b"\r\n"          # CRLF split across the 1st boundary
            + b"b" * (k - 2) + b"\n"          # bare LF as the last byte of a chunk
            + b"c" * (k - 1) + b"\r" + b"x"   # bare CR at a chunk end, then no LF
            + b"d" * 100 + b"\r\r\n\n\r\n"    # CR CR LF, LF, CRLF
            + b"e" * (3 * k) + b"\r")         # ends with a bare CR
    (root / "mixed.txt").write_bytes(data)
    (root / "mixed.txt").chmod(0o644)
    root.chmod(0o755)
    srv = make_server(anon_root=root)
    got = ftplib_wire(srv, "RETR mixed.txt", "A")
    assert got == ascii_expected(data)
    assert got.count(b"\r\r\n") == 1 and b"\r\r\r" not in got
    assert ftplib_wire(srv, "RETR mixed.txt", "I") == data
