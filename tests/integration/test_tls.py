"""FTPS (RFC 4217): explicit (AUTH TLS) and implicit TLS through real
clients (curl, lftp, python ftplib) with byte-identical files of 0 B,
10 MiB and a sparse file above 4 GiB, passive and active; the replies of AUTH, PBSZ, PROT and
CCC; tls_require (login, all, anonymous exemption); data connections that
must resume the control connection's TLS session; tls_min_version; ALPN
and the STARTTLS plaintext-injection defence; garbage instead of a
handshake; the engine named in the transfer log (tls-copy, ktls-sendfile);
ktls=required; a proper TLS close (close_notify) on data connections; bad
TLS configuration.

Clients never verify the self-signed certificate made for the session.
Every client call and every socket is bounded by a timeout; every server
listens on loopback only and is stopped by PID by the make_server fixture.
"""
import fcntl
import ftplib
import functools
import os
import re
import socket
import ssl
import subprocess
import time

import pytest

from conftest import ZCFTPD, RawFTP, Reader, run, sha256, sha256_file

T = 60  # seconds: upper bound for one client call
MiB = 1024 * 1024
TEN_M = 10 * MiB
BIG = 4 * 1024 ** 3 + 3 * MiB + 4321  # > 4 GiB, sparse, odd size
BIG_MARKS = [0, 4 * 1024 ** 3 - 32 * 1024, BIG - 8192]  # random 64 KiB / 8 KiB blocks
UTF8_ENV = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
TLS_ENGINES = r"(?:tls-copy|ktls-sendfile)"


# --------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    """A self-signed P-256 certificate for localhost, 127.0.0.1 and ::1."""
    d = tmp_path_factory.mktemp("tls-certs")
    cert, key = d / "cert.pem", d / "key.pem"
    r = run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key),
             "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"], timeout=60)
    assert r.returncode == 0, r.stderr
    return cert, key


@pytest.fixture(scope="session")
def tls_tree(tmp_path_factory):
    """The tree served in these tests: 0 B, 10 MiB random, a sparse file
    above 4 GiB with random blocks at its start, across the 4 GiB line and
    at its end, and a small directory."""
    root = tmp_path_factory.mktemp("tls-tree") / "root"
    (root / "dir" / "sub").mkdir(parents=True)
    files = {"empty.bin": b"", "ten_m.bin": os.urandom(TEN_M),
             "dir/one.txt": b"one\n", "dir/two.bin": os.urandom(4096 + 17),
             "dir/sub/three.txt": b"three\n"}
    for name, data in files.items():
        (root / name).write_bytes(data)
        (root / name).chmod(0o644)
    with open(root / "big.sparse", "wb") as f:
        f.truncate(BIG)
        for off in BIG_MARKS:
            f.seek(off)
            f.write(os.urandom(min(64 * 1024, BIG - off)))
    (root / "big.sparse").chmod(0o644)
    assert (root / "big.sparse").stat().st_size == BIG
    for d in (root, root / "dir", root / "dir" / "sub"):
        d.chmod(0o755)
    return root


PLAIN_LISTEN_RE = r"(?m)listening on (\[[^\]]+\]|[0-9.]+):(\d+)[ \t]*$"
IMPLICIT_LISTEN_RE = r"listening on (\[[^\]]+\]|[0-9.]+):(\d+) \(implicit TLS\)"


def learn_ports(srv, implicit):
    """srv.port: the plain/explicit listener (not the implicit one, whichever
    the master logged first); srv.implicit_port: the implicit-TLS one."""
    srv.wait_log(PLAIN_LISTEN_RE)
    m = re.search(PLAIN_LISTEN_RE, srv.log())
    srv.host, srv.port = m.group(1).strip("[]"), int(m.group(2))
    srv.implicit_port = None
    if implicit:
        srv.wait_log(IMPLICIT_LISTEN_RE)
        srv.implicit_port = int(re.search(IMPLICIT_LISTEN_RE, srv.log()).group(2))
    return srv


@pytest.fixture
def make_tls_server(make_server, certs, tls_tree):
    """Factory: a server with tls_cert/tls_key on tls_tree, plus opts;
    implicit=True adds tls_implicit_listen=127.0.0.1:0."""

    def factory(opts=None, implicit=False, listen="127.0.0.1:0", anon_root=None,
                start=True):
        o = {"tls_cert": str(certs[0]), "tls_key": str(certs[1])}
        if implicit:
            o["tls_implicit_listen"] = "127.0.0.1:0"
        o.update(opts or {})
        srv = make_server(opts=o, anon_root=anon_root or tls_tree, listen=listen,
                          start=start)
        return learn_ports(srv, implicit) if start else srv

    return factory


# ------------------------------------------------------------ TLS helpers

def client_ctx(min_version=None, max_version=None, alpn=None, ciphers=None,
               strict_eof=False):
    """A client context that does not verify the server's certificate.
    strict_eof: a TCP end without close_notify is an error (SSLError
    UNEXPECTED_EOF_WHILE_READING), not an end of file: Python >= 3.10
    sets OP_IGNORE_UNEXPECTED_EOF by default, which hides a missing
    close_notify even with suppress_ragged_eofs=False."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if strict_eof:
        ctx.options &= ~getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)
    if ciphers:
        ctx.set_ciphers(ciphers)
    if min_version is not None:
        ctx.minimum_version = min_version
    if max_version is not None:
        ctx.maximum_version = max_version
    if alpn is not None:
        ctx.set_alpn_protocols(alpn)
    return ctx


REUSE = object()  # data connection resumes the control connection's session


class TlsFTP(RawFTP):
    """A byte-level control connection that can switch to TLS (AUTH TLS)
    or start in it (implicit), with PROT P data connections whose TLS
    session is chosen by the test. The line discipline is RawFTP's; only
    the socket changes."""

    def __init__(self, host, port, ctx=None, implicit=False, timeout=10):
        self.ctx = ctx or client_ctx()
        self.host = host
        self.buf = b""
        self.sock = socket.create_connection((host, port), timeout=timeout)
        try:
            if implicit:
                self.sock = self.ctx.wrap_socket(self.sock, server_hostname="localhost")
            self.greeting = self.reply()
        except BaseException:
            self.sock.close()
            raise

    def starttls(self):
        self.sock = self.ctx.wrap_socket(self.sock, server_hostname="localhost")

    def auth(self, mech="TLS"):
        code, text = self.cmd(f"AUTH {mech}")
        assert code == 234, text
        assert self.buf == b"", f"bytes after 234 before the handshake: {self.buf!r}"
        self.starttls()

    def login(self, user="anonymous"):
        code, text = self.cmd(f"USER {user}")
        assert code == 331, text
        code, text = self.cmd("PASS tls@example.org")
        assert code == 230, text

    def prot_p(self):
        code, text = self.cmd("PBSZ 0")
        assert code == 200, text
        code, text = self.cmd("PROT P")
        assert code == 200, text

    def pasv(self):
        code, text = self.cmd("PASV")
        assert code == 227, text
        n = [int(x) for x in re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", text).groups()]
        return socket.create_connection((".".join(map(str, n[:4])), n[4] * 256 + n[5]),
                                        timeout=10)

    def epsv(self):
        code, text = self.cmd("EPSV")
        assert code == 229, text
        port = int(re.search(r"\(\|\|\|(\d+)\|\)", text).group(1))
        return socket.create_connection((self.sock.getpeername()[0], port), timeout=10)

    def wrap_data(self, d, session=REUSE, strict_eof=False):
        """TLS on a data socket. strict_eof (with a client_ctx(strict_eof=True)
        context): a data connection the server ends without close_notify
        raises SSLError instead of reading as an end of file."""
        sess = self.sock.session if session is REUSE else session
        return self.ctx.wrap_socket(d, server_hostname="localhost", session=sess,
                                    suppress_ragged_eofs=not strict_eof)

    def start_transfer(self, cmd, rest=None, tls=True, session=REUSE, epsv=False,
                       strict_eof=False):
        """Open the data connection, send cmd, expect 150, TLS-wrap it (when
        tls): the data socket, ready to read."""
        if rest is not None:
            code, text = self.cmd(f"REST {rest}")
            assert code == 350, text
        d = self.epsv() if epsv else self.pasv()
        code, text = self.cmd(cmd)
        assert code in (125, 150), text
        if tls:
            d = self.wrap_data(d, session, strict_eof)
            if session is REUSE:
                assert d.session_reused, "the data connection did not resume the session"
        return d

    def transfer(self, cmd, rest=None, tls=True, session=REUSE, epsv=False):
        """A whole download: (bytes, final reply)."""
        if cmd.startswith("RETR"):
            code, text = self.cmd("TYPE I")
            assert code == 200, text
        d = self.start_transfer(cmd, rest, tls, session, epsv)
        r = Reader(d, timeout=T)
        r.start()
        r.join(T)
        assert not r.is_alive(), "data connection never ended"
        assert r.error is None, f"data connection error: {r.error!r}"
        d.close()
        return bytes(r.data), self.reply()

    def retr(self, path, rest=None, **kw):
        data, (code, text) = self.transfer(f"RETR {path}", rest, **kw)
        assert code == 226, text
        return data

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


@pytest.fixture
def tls_conn(net):
    """Factory for TlsFTP connections, closed at the end of the test."""

    def factory(srv, ctx=None, implicit=False, port=None, host=None, timeout=10):
        p = port or (srv.implicit_port if implicit else srv.port)
        c = TlsFTP(host or srv.host, p, ctx=ctx, implicit=implicit, timeout=timeout)
        net.items.append(c)
        return c

    return factory


def tls_login(tls_conn, srv, ctx=None, user="anonymous"):
    """Explicit FTPS session: AUTH TLS, login, PBSZ 0, PROT P."""
    c = tls_conn(srv, ctx=ctx)
    assert c.greeting[0] == 220, c.greeting
    c.auth()
    c.login(user)
    c.prot_p()
    return c


class ResumingFTP_TLS(ftplib.FTP_TLS):
    """ftplib.FTP_TLS wraps its PROT P data connections with no session=,
    so they never resume the control connection's TLS session (a fresh
    handshake: what tls_require_reuse refuses). Do as curl and lftp do:
    offer the control connection's session."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                            session=self.sock.session)
            self.last_data_resumed = conn.session_reused
        return conn, size


def ftps(srv, host=None, timeout=T, cls=ResumingFTP_TLS, ctx=None):
    """ftplib explicit FTPS session, logged in (login() sends AUTH TLS
    first), data protected (PBSZ 0, PROT P)."""
    f = cls(context=ctx or client_ctx(), timeout=timeout)
    f.connect(host or srv.host, srv.port)
    f.login()
    f.prot_p()
    return f


def ftp_get(f, path, rest=None):
    chunks = []
    f.retrbinary(f"RETR {path}", chunks.append, rest=rest)
    return b"".join(chunks)


def read_at(path, off, n=None):
    with open(path, "rb") as f:
        f.seek(off)
        return f.read() if n is None else f.read(n)


def retr_log_re(path, nbytes=r"\d+", engine=TLS_ENGINES, result="ok"):
    return (rf"RETR {re.escape(path)} bytes={nbytes} seconds=\d+\.\d+ "
            rf"engine={engine} result={result}\b")


def healthy(srv, tls_tree):
    """A normal explicit-FTPS client still gets a file, byte-identical."""
    f = ftps(srv, timeout=20)
    try:
        assert ftp_get(f, "dir/two.bin") == (tls_tree / "dir" / "two.bin").read_bytes()
        assert f.last_data_resumed
        f.quit()
    finally:
        f.close()


@functools.lru_cache(maxsize=1)
def kernel_tls_ulp():
    """(True, "") when this kernel accepts the tls ULP on a TCP socket,
    else (False, why): setsockopt(TCP_ULP, "tls") on a loopback pair."""
    ls = socket.create_server(("127.0.0.1", 0))
    try:
        c = socket.create_connection(ls.getsockname(), timeout=5)
        a, _ = ls.accept()
        try:
            c.setsockopt(socket.IPPROTO_TCP, 31, b"tls")  # TCP_ULP
            return True, ""
        except OSError as e:
            return False, f"{os.strerror(e.errno)} (errno {e.errno})"
        finally:
            c.close()
            a.close()
    finally:
        ls.close()


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


# --------------------------------------------------------------- clients

def curl(srv, remote, out, extra=(), implicit=False, timeout=T):
    if implicit:
        url = f"ftps://127.0.0.1:{srv.implicit_port}/{remote}"
        argv = ["curl", "-sS", "-k"]
    else:
        url = srv.url(remote)
        argv = ["curl", "-sS", "--ssl-reqd", "-k"]
    argv += ["-g", "--max-time", str(timeout), "--connect-timeout", "10",
             "-o", str(out)] + list(extra) + [url]
    return run(argv, timeout=timeout + 10)


def stream_compare(argv, local, errpath, timeout):
    """Run a client that writes a download to stdout; compare the stream
    with the local file as it comes, never storing it. A dict: returncode,
    nbytes, diff_at (None when identical so far and the lengths match),
    stderr."""
    deadline = time.monotonic() + timeout
    nbytes, diff_at = 0, None
    with open(errpath, "wb") as err, open(local, "rb") as f:
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err,
                             stdin=subprocess.DEVNULL)
        try:
            try:
                fcntl.fcntl(p.stdout.fileno(), 1031, 1 << 20)  # F_SETPIPE_SZ
            except OSError:
                pass
            while time.monotonic() < deadline:
                got = p.stdout.read1(1 << 20)
                if not got:
                    break
                want = f.read(len(got))
                if got != want:
                    diff_at = nbytes + next((i for i in range(min(len(got), len(want)))
                                             if got[i] != want[i]), min(len(got), len(want)))
                    break
                nbytes += len(got)
            else:
                raise AssertionError(f"{argv[0]} still sending after {timeout} s")
            if diff_at is None and f.read(1) != b"":
                diff_at = nbytes  # the download is short
            if diff_at is not None and p.poll() is None:
                p.kill()  # our own child: stop it rather than drain it
            rc = p.wait(timeout=max(1, deadline - time.monotonic()))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
            p.stdout.close()
    return {"returncode": rc, "nbytes": nbytes, "diff_at": diff_at,
            "stderr": errpath.read_bytes()[-2000:]}


def check_client(r, what):
    assert r.returncode == 0, (f"{what}: rc={r.returncode}\nstdout={r.stdout[-2000:]!r}\n"
                               f"stderr={r.stderr[-2000:]!r}")


def lftp(script_lines, timeout=T):
    script = "; ".join([
        "set net:timeout 10", "set net:max-retries 1",
        "set net:reconnect-interval-base 1", "set net:persist-retries 0",
        "set ssl:verify-certificate no", "set ftp:ssl-force yes",
        "set ftp:ssl-protect-data yes", "set ftp:ssl-protect-list yes",
        "set xfer:clobber on",
    ] + list(script_lines))
    return run(["lftp", "-c", script], timeout=timeout + 10, env=UTF8_ENV)


# ======================================================================
# 1. curl, explicit FTPS (AUTH TLS, PROT P)

@pytest.mark.parametrize("mode", ["epsv", "pasv"])
def test_curl_explicit_byte_identical(make_tls_server, tls_tree, tmp_path, mode):
    srv = make_tls_server()
    extra = ["--ftp-pasv"] + (["--disable-epsv"] if mode == "pasv" else [])
    for name in ("empty.bin", "ten_m.bin"):
        out = tmp_path / (name + ".out")
        check_client(curl(srv, name, out, extra), f"curl {mode} {name}")
        assert out.stat().st_size == (tls_tree / name).stat().st_size, name
        assert sha256_file(out) == sha256_file(tls_tree / name), name
        srv.wait_log(retr_log_re("/" + name, (tls_tree / name).stat().st_size))
    log = srv.log()
    assert re.search(r"< AUTH (TLS|SSL)\b", log), log[-3000:]
    assert re.search(r"< PROT P\b", log), log[-3000:]
    verb = "EPSV" if mode == "epsv" else "PASV"
    other = "PASV" if mode == "epsv" else "EPSV"
    assert re.search(rf"< {verb}\b", log) and not re.search(rf"< {other}\b", log), log[-3000:]
    assert not re.search(r"engine=sendfile", log), "a PROT P download went out in clear"


def test_curl_explicit_big_sparse_full(make_tls_server, tls_tree, tmp_path):
    """The whole > 4 GiB file over PROT P, compared byte for byte with the
    local file as it streams out of curl (hashing 4 GiB twice would cost
    more than the transfer: sha256 runs at about 1 GB/s here)."""
    srv = make_tls_server()
    t0 = time.monotonic()
    r = stream_compare(["curl", "-sS", "--ssl-reqd", "-k", "--max-time", "150",
                        "--connect-timeout", "10", "-o", "-", srv.url("big.sparse")],
                       tls_tree / "big.sparse", tmp_path / "curl.err", timeout=160)
    elapsed = time.monotonic() - t0
    assert r["returncode"] == 0, r
    assert r["diff_at"] is None, f"content differs at byte {r['diff_at']}"
    assert r["nbytes"] == BIG, r
    srv.wait_log(retr_log_re("/big.sparse", BIG))
    print(f"big.sparse ({BIG} B) over TLS in {elapsed:.1f} s")


def test_curl_explicit_big_sparse_range(make_tls_server, tls_tree, tmp_path):
    """REST beyond 4 GiB over PROT P: curl -r OFF- sends REST OFF."""
    srv = make_tls_server()
    off = BIG_MARKS[1] + 1000  # in the random block across the 4 GiB line
    out = tmp_path / "range.out"
    check_client(curl(srv, "big.sparse", out, ["-r", f"{off}-"]), "curl -r")
    assert out.read_bytes() == read_at(tls_tree / "big.sparse", off)
    assert re.search(rf"< REST {off}\b", srv.log())
    srv.wait_log(retr_log_re("/big.sparse", BIG - off))


def test_curl_explicit_listing(make_tls_server, tmp_path):
    srv = make_tls_server()
    out = tmp_path / "list.out"
    check_client(curl(srv, "dir/", out), "curl LIST")
    listing = out.read_text()
    for name in ("one.txt", "two.bin", "sub"):
        assert re.search(rf" {re.escape(name)}$", listing, re.M), listing
    out2 = tmp_path / "nlst.out"
    check_client(curl(srv, "dir/", out2, ["--list-only"]), "curl NLST")
    assert sorted(out2.read_text().split()) == ["one.txt", "sub", "two.bin"]
    log = srv.log()
    assert re.search(r"< LIST\b", log) and re.search(r"< NLST\b", log), log[-3000:]
    assert re.search(r"< PROT P\b", log), log[-3000:]


# ======================================================================
# 2. curl, implicit FTPS

def test_curl_implicit_byte_identical(make_tls_server, tls_tree, tmp_path):
    srv = make_tls_server(implicit=True)
    assert srv.implicit_port and srv.implicit_port != srv.port
    for name in ("empty.bin", "ten_m.bin"):
        out = tmp_path / (name + ".out")
        check_client(curl(srv, name, out, implicit=True), f"curl ftps:// {name}")
        assert sha256_file(out) == sha256_file(tls_tree / name), name
        srv.wait_log(retr_log_re("/" + name, (tls_tree / name).stat().st_size))
    off = BIG - 70000
    out = tmp_path / "tail.out"
    check_client(curl(srv, "big.sparse", out, ["-r", f"{off}-"], implicit=True),
                 "curl ftps:// -r")
    assert out.read_bytes() == read_at(tls_tree / "big.sparse", off)
    log = srv.log()
    assert not re.search(r"< AUTH\b", log), "implicit TLS needs no AUTH"
    assert re.search(r"< PROT P\b", log), log[-3000:]


# ======================================================================
# 3. lftp (GnuTLS)

@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_lftp(make_tls_server, tls_tree, tmp_path, implicit):
    srv = make_tls_server(implicit=implicit)
    out = tmp_path / "ten.out"
    opener = (f"open ftps://127.0.0.1:{srv.implicit_port}" if implicit
              else f"open -p {srv.port} 127.0.0.1")
    r = lftp([opener, "user anonymous x", f'get ten_m.bin -o "{out}"', "cls -1 dir",
              "cls -l dir"])
    check_client(r, "lftp")
    assert sha256_file(out) == sha256_file(tls_tree / "ten_m.bin")
    text = r.stdout.decode()
    for name, kind in (("one.txt", "-"), ("two.bin", "-"), ("sub", "d")):
        assert re.search(rf"^dir/{re.escape(name)}/?$", text, re.M), text  # cls -1
        assert re.search(rf"^{kind}\S+ .* dir/{re.escape(name)}/?$", text, re.M), text
    srv.wait_log(retr_log_re("/ten_m.bin", TEN_M))
    log = srv.log()
    assert re.search(r"< PROT P\b", log), log[-3000:]
    assert bool(re.search(r"< AUTH\b", log)) != implicit, log[-3000:]


# ======================================================================
# active mode: the server connects, and is still the TLS server

@pytest.mark.parametrize("client", ["lftp", "ftplib"])
def test_active_mode_prot_p(make_tls_server, tls_tree, tmp_path, client):
    """PORT/EPRT with PROT P. (curl 7.87-7.88 cannot: it forgets TLS on
    active data connections and hangs, curl/curl#10666.)"""
    srv = make_tls_server()
    if client == "lftp":
        out = tmp_path / "ten.out"
        r = lftp(["set ftp:passive-mode off", f"open -p {srv.port} 127.0.0.1",
                  "user anonymous x", f'get ten_m.bin -o "{out}"'])
        check_client(r, "lftp active")
        assert sha256_file(out) == sha256_file(tls_tree / "ten_m.bin")
    else:
        f = ftps(srv)
        try:
            f.set_pasv(False)
            assert sha256(ftp_get(f, "ten_m.bin")) == sha256_file(tls_tree / "ten_m.bin")
            assert f.last_data_resumed
            f.quit()
        finally:
            f.close()
    srv.wait_log(retr_log_re("/ten_m.bin", TEN_M))
    log = srv.log()
    assert re.search(r"< (PORT|EPRT) ", log) and not re.search(r"< (PASV|EPSV)\b", log), \
        log[-3000:]
    assert re.search(r"< PROT P\b", log), log[-3000:]


# ======================================================================
# 4. python ftplib (FTP_TLS)

def test_ftplib_sizes_rest_and_listings(make_tls_server, tls_tree):
    srv = make_tls_server()
    f = ftps(srv)
    try:
        assert ftp_get(f, "empty.bin") == b""
        assert f.last_data_resumed
        assert sha256(ftp_get(f, "ten_m.bin")) == sha256_file(tls_tree / "ten_m.bin")
        ten = (tls_tree / "ten_m.bin").read_bytes()
        assert ftp_get(f, "ten_m.bin", rest=1234567) == ten[1234567:]
        for off in (BIG - 1, BIG - 8192 - 5, BIG_MARKS[1] + 7):
            assert ftp_get(f, "big.sparse", rest=off) == read_at(tls_tree / "big.sparse", off), off
        assert f.size("big.sparse") == BIG
        facts = {name: fx for name, fx in f.mlsd("dir", facts=["type", "size"])}
        assert facts["one.txt"]["type"] == "file" and facts["one.txt"]["size"] == "4", facts
        assert facts["two.bin"]["size"] == str(4096 + 17), facts
        assert facts["sub"]["type"] == "dir", facts
        assert sorted(os.path.basename(n) for n in f.nlst("dir")) == ["one.txt", "sub", "two.bin"]
        lines = []
        f.retrlines("LIST dir", lines.append)
        assert sorted(ln.split()[-1] for ln in lines) == ["one.txt", "sub", "two.bin"], lines
        assert any(ln.startswith("d") and ln.endswith(" sub") for ln in lines), lines
        assert f.voidcmd("NOOP").startswith("200")
        f.quit()
    finally:
        f.close()
    srv.wait_log(retr_log_re("/ten_m.bin", TEN_M - 1234567))
    srv.wait_log(retr_log_re("/big.sparse", 1))
    for verb in ("MLSD", "NLST", "LIST"):
        assert re.search(rf"< {verb} dir\b", srv.log()), verb


def test_abor_over_tls_mid_transfer(make_tls_server, tls_conn, tls_tree):
    srv = make_tls_server(opts={"rate_limit_anon": "1m"})
    c = tls_login(tls_conn, srv)
    assert c.cmd("TYPE I")[0] == 200
    d = c.start_transfer("RETR ten_m.bin")
    r = Reader(d, timeout=30)
    r.start()
    r.wait_bytes(256 * 1024)
    t0 = time.monotonic()
    c.send(b"ABOR\r\n")  # over the TLS control connection
    code1, text1 = c.reply()
    code2, text2 = c.reply()
    assert code1 == 426, (text1, text2)
    assert code2 in (225, 226), (text1, text2)
    assert time.monotonic() - t0 < 3
    r.join(10)
    assert not r.is_alive()
    assert 0 < len(r.data) < TEN_M
    assert bytes(r.data) == (tls_tree / "ten_m.bin").read_bytes()[:len(r.data)]
    srv.wait_log(retr_log_re("/ten_m.bin", engine=TLS_ENGINES, result="aborted"))
    # the session goes on, over TLS, with resumed data connections
    assert c.cmd("NOOP")[0] == 200
    assert c.retr("dir/two.bin") == (tls_tree / "dir" / "two.bin").read_bytes()
    assert c.cmd("QUIT")[0] == 221


def test_ftplib_ipv6(make_tls_server, tls_tree):
    if not ipv6_loopback():
        pytest.skip("::1 is not available here")
    srv = make_tls_server(listen="[::1]:0")
    assert srv.host == "::1"
    f = ftps(srv)
    try:
        assert f.af == socket.AF_INET6
        assert sha256(ftp_get(f, "ten_m.bin")) == sha256_file(tls_tree / "ten_m.bin")
        off = BIG - 100
        assert ftp_get(f, "big.sparse", rest=off) == read_at(tls_tree / "big.sparse", off)
        assert sorted(os.path.basename(n) for n in f.nlst("dir")) == ["one.txt", "sub", "two.bin"]
        f.quit()
    finally:
        f.close()
    assert re.search(r"< EPSV\b", srv.log())
    srv.wait_log(retr_log_re("/ten_m.bin", TEN_M))


# ======================================================================
# 5. data connections must resume the control connection's TLS session

def attempt_unresumed(c, path, session=None):
    """RETR with a data connection that does a fresh TLS handshake (or
    offers another session): the final reply and what data arrived."""
    assert c.cmd("TYPE I")[0] == 200
    d = c.pasv()
    code, text = c.cmd(f"RETR {path}")
    got = b""
    if code in (125, 150):
        try:
            t = c.wrap_data(d, session=session)
            t.settimeout(10)
            for _ in range(10000):
                b = t.recv(65536)
                if not b:
                    break
                got += b
        except (OSError, ssl.SSLError):
            pass  # the server may end the connection during or after the handshake
        finally:
            d.close()
        code, text = c.reply()
    else:
        d.close()
    return code, text, got


def test_unresumed_data_connection_refused_522(make_tls_server, tls_conn, tls_tree):
    srv = make_tls_server()  # tls_require_reuse=yes by default
    c = tls_login(tls_conn, srv)
    code, text, got = attempt_unresumed(c, "dir/two.bin")
    assert code == 522, text
    assert got == b"", "file data sent on an unresumed data connection"
    # the session stays usable: a proper (resuming) transfer works
    assert c.cmd("NOOP")[0] == 200
    assert c.retr("dir/two.bin") == (tls_tree / "dir" / "two.bin").read_bytes()


def test_plain_ftplib_tls_does_not_resume_and_gets_522(make_tls_server):
    """The stock ftplib.FTP_TLS (no session= on data connections) is the
    non-resuming client tls_require_reuse exists for."""
    srv = make_tls_server()
    f = ftps(srv, cls=ftplib.FTP_TLS)
    try:
        try:
            data = ftp_get(f, "dir/one.txt")
            pytest.fail(f"stock FTP_TLS got {data!r} without resuming the session")
        except ftplib.error_perm as e:
            reply = str(e)
        except OSError:  # the data side ended uncleanly; the reply is pending
            try:
                reply = f.getresp()
            except ftplib.Error as e:
                reply = str(e)
        assert reply.startswith("522"), reply
        assert f.voidcmd("NOOP").startswith("200")
        f.quit()
    finally:
        f.close()


def test_reuse_not_required_accepts_fresh_handshake(make_tls_server, tls_conn, tls_tree):
    srv = make_tls_server(opts={"tls_require_reuse": "no"})
    c = tls_login(tls_conn, srv)
    data, (code, text) = c.transfer("RETR ten_m.bin", session=None)
    assert code == 226, text
    assert sha256(data) == sha256_file(tls_tree / "ten_m.bin")
    f = ftps(srv, cls=ftplib.FTP_TLS)
    try:
        assert ftp_get(f, "dir/one.txt") == b"one\n"
        f.quit()
    finally:
        f.close()


def test_session_of_another_control_connection_refused(make_tls_server, tls_conn, tls_tree):
    """doc/DESIGN.md: only this session's control TLS session can be
    resumed by its data connections (per-worker ticket keys and cache)."""
    srv = make_tls_server()
    ctx = client_ctx()  # python offers only sessions of the same context
    a = tls_login(tls_conn, srv, ctx=ctx)
    b = tls_login(tls_conn, srv, ctx=ctx)
    assert a.cmd("NOOP")[0] == 200  # a's session ticket has arrived
    code, text, got = attempt_unresumed(b, "dir/two.bin", session=a.sock.session)
    assert code == 522, text
    assert got == b""
    assert b.retr("dir/two.bin") == (tls_tree / "dir" / "two.bin").read_bytes()


def test_failed_data_handshake_gives_425(make_tls_server, tls_conn, tls_tree):
    srv = make_tls_server()
    c = tls_login(tls_conn, srv)
    assert c.cmd("TYPE I")[0] == 200
    d = c.pasv()
    code, text = c.cmd("RETR ten_m.bin")
    assert code in (125, 150), text
    d.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n" + b"\x00" * 64)
    code, text = c.reply()
    assert code == 425, text
    d.close()
    assert c.cmd("NOOP")[0] == 200
    assert c.retr("dir/two.bin") == (tls_tree / "dir" / "two.bin").read_bytes()


# ======================================================================
# 6. tls_require

def test_require_login_refuses_plain_user(make_tls_server, tls_conn, tls_tree):
    srv = make_tls_server(opts={"tls_require": "login"})
    c = tls_conn(srv)
    code, text = c.cmd("USER bob")
    assert code == 530, text
    # tls_require_anon=no (default): anonymous is exempt, in clear
    c2 = tls_conn(srv)
    c2.login("anonymous")
    data, (code, text) = c2.transfer("RETR dir/one.txt", tls=False)
    assert (code, data) == (226, b"one\n"), text
    # after AUTH TLS, USER bob is taken like on a server without tls_require
    c3 = tls_conn(srv)
    c3.auth()
    code, text = c3.cmd("USER bob")
    assert code == 331, text


def test_require_login_anon_too(make_tls_server, tls_conn, tls_tree):
    srv = make_tls_server(opts={"tls_require": "login", "tls_require_anon": "yes"})
    for user in ("anonymous", "ftp", "bob"):
        c = tls_conn(srv)
        code, text = c.cmd(f"USER {user}")
        assert code == 530, (user, text)
    c = tls_conn(srv)
    c.auth()
    c.login("anonymous")
    c.prot_p()
    assert c.retr("dir/one.txt") == b"one\n"


@pytest.mark.parametrize("anon_exempt", [False, True], ids=["anon-required", "anon-exempt"])
def test_require_all(make_tls_server, tls_conn, tls_tree, anon_exempt):
    srv = make_tls_server(opts={"tls_require": "all",
                                "tls_require_anon": "no" if anon_exempt else "yes"})
    c = tls_conn(srv)
    if anon_exempt:
        c.login("anonymous")  # in clear, and clear data too
        data, (code, text) = c.transfer("RETR dir/one.txt", tls=False)
        assert (code, data) == (226, b"one\n"), text
        c2 = tls_conn(srv)
        c2.auth()
        c2.login()
        assert c2.cmd("PBSZ 0")[0] == 200
        code, text = c2.cmd("PROT C")
        assert code == 200, text
        data, (code, text) = c2.transfer("RETR dir/one.txt", tls=False)
        assert (code, data) == (226, b"one\n"), text
        return
    code, text = c.cmd("USER anonymous")
    assert code == 530, text
    c = tls_conn(srv)
    c.auth()
    c.login()
    assert c.cmd("PBSZ 0")[0] == 200
    code, text = c.cmd("PROT C")
    assert code == 534, text
    assert c.cmd("TYPE I")[0] == 200
    for cmd in ("RETR dir/one.txt", "LIST dir", "NLST dir", "MLSD dir"):
        d = c.pasv()
        code, text = c.cmd(cmd)
        assert code == 521, (cmd, text)
        d.settimeout(2)
        try:
            assert d.recv(100) == b"", f"{cmd}: clear data sent"
        except (socket.timeout, ConnectionResetError):
            pass
        d.close()
    code, text = c.cmd("PROT P")
    assert code == 200, text
    assert c.retr("dir/one.txt") == b"one\n"
    data, (code, text) = c.transfer("NLST dir")
    assert code == 226, text
    assert sorted(os.path.basename(x) for x in data.decode().split()) == ["one.txt", "sub",
                                                                          "two.bin"]


# ======================================================================
# 7. AUTH, PBSZ, PROT, CCC replies

def feat_lines(c):
    code, text = c.cmd("FEAT")
    assert code == 211, text
    return text.splitlines()[1:-1]


def test_no_tls_configured(make_server, tls_conn, tls_tree):
    srv = make_server(anon_root=tls_tree)
    c = tls_conn(srv)
    lines = feat_lines(c)
    assert not [ln for ln in lines if re.match(r" (AUTH|PBSZ|PROT)\b", ln)], lines
    code, text = c.cmd("AUTH TLS")
    assert code == 502, text
    c.login()  # still a working plain session
    data, (code, text) = c.transfer("RETR dir/one.txt", tls=False)
    assert (code, data) == (226, b"one\n"), text


def test_feat_lists_tls(make_tls_server, tls_conn):
    srv = make_tls_server()
    c = tls_conn(srv)
    lines = feat_lines(c)
    assert [ln for ln in lines if re.match(r" AUTH TLS\b", ln)], lines
    assert " PBSZ" in lines, lines
    assert " PROT" in lines, lines
    c.auth()
    assert " AUTH TLS" in [ln[:9] for ln in feat_lines(c)]  # same list over TLS


def test_auth_pbsz_prot_sequence(make_tls_server, tls_conn, tls_tree):
    srv = make_tls_server()
    c = tls_conn(srv)
    assert c.cmd("PBSZ 0")[0] == 503  # before AUTH
    assert c.cmd("PROT P")[0] == 503
    assert c.cmd("AUTH KERBEROS_V4")[0] == 504
    assert c.cmd("AUTH GSSAPI")[0] == 504
    c.auth("TLS")
    assert c.sock.version() in ("TLSv1.2", "TLSv1.3")
    code, text = c.cmd("AUTH TLS")
    assert code == 503, text
    assert c.cmd("PROT P")[0] == 503  # before PBSZ
    assert c.cmd("PBSZ abc")[0] == 501
    code, text = c.cmd("PBSZ 0")
    assert code == 200, text
    for level, want in (("S", 536), ("E", 536), ("X", 504), ("", 501),
                        ("C", 200), ("P", 200)):
        code, text = c.cmd(f"PROT {level}".rstrip())
        if level == "":
            assert code in (501, 504), text
        else:
            assert code == want, (level, text)
    c.login()
    assert c.cmd("CCC")[0] == 534
    assert c.cmd("NOOP")[0] == 200  # still TLS: the reply came back encrypted
    assert c.retr("dir/one.txt") == b"one\n"


def test_auth_ssl(make_tls_server, tls_conn, tls_tree):
    srv = make_tls_server()
    c = tls_conn(srv)
    c.auth("SSL")
    c.login()
    c.prot_p()
    assert c.retr("dir/two.bin") == (tls_tree / "dir" / "two.bin").read_bytes()


# ======================================================================
# 8. tls_min_version

def handshake(srv, tls_conn, ctx):
    """AUTH TLS with ctx: the TlsFTP, or the SSLError of the handshake."""
    c = tls_conn(srv, ctx=ctx)
    code, text = c.cmd("AUTH TLS")
    assert code == 234, text
    try:
        c.starttls()
    except (ssl.SSLError, ConnectionResetError) as e:
        return e
    return c


def test_min_version_13_refuses_a_12_client(make_tls_server, tls_conn, tls_tree):
    srv = make_tls_server(opts={"tls_min_version": "1.3"})
    e = handshake(srv, tls_conn, client_ctx(max_version=ssl.TLSVersion.TLSv1_2))
    assert isinstance(e, (ssl.SSLError, ConnectionResetError)), "a TLS 1.2 client got in"
    c = handshake(srv, tls_conn, client_ctx(min_version=ssl.TLSVersion.TLSv1_3))
    assert isinstance(c, TlsFTP), c
    assert c.sock.version() == "TLSv1.3"
    c.login()
    c.prot_p()
    assert c.retr("dir/one.txt") == b"one\n"
    healthy(srv, tls_tree)


def test_default_min_version_12(make_tls_server, tls_conn, tls_tree):
    srv = make_tls_server()
    c = handshake(srv, tls_conn, client_ctx(max_version=ssl.TLSVersion.TLSv1_2))
    assert isinstance(c, TlsFTP), c
    assert c.sock.version() == "TLSv1.2"
    c.login()
    c.prot_p()
    assert c.retr("dir/two.bin") == (tls_tree / "dir" / "two.bin").read_bytes()


def test_default_min_version_refuses_11(make_tls_server, tls_conn, tls_tree):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            ctx = client_ctx(min_version=ssl.TLSVersion.TLSv1,
                             max_version=ssl.TLSVersion.TLSv1_1,
                             ciphers="DEFAULT:@SECLEVEL=0")
        except (ssl.SSLError, ValueError) as e:
            pytest.skip(f"this OpenSSL cannot make a TLS 1.1 client: {e}")
    srv = make_tls_server()
    e = handshake(srv, tls_conn, ctx)
    if isinstance(e, ssl.SSLError) and e.reason == "NO_PROTOCOLS_AVAILABLE":
        pytest.skip("this OpenSSL refuses TLS 1.1 on the client side")
    assert isinstance(e, (ssl.SSLError, ConnectionResetError)), "a TLS 1.1 client got in"
    healthy(srv, tls_tree)


# ======================================================================
# 9. cross-protocol defences, garbage handshakes

def non_tls_garbage(n=512):
    """Random bytes whose first byte is no TLS record type (20..24), so the
    server can tell at once it is not a handshake."""
    g = bytearray(os.urandom(n))
    g[0] = 0x47 if 20 <= g[0] <= 24 else g[0]
    return bytes(g)


def read_until_closed(sock, timeout=5):
    """What the server sends until it closes (bounded): (bytes, closed)."""
    sock.settimeout(timeout)
    got = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            b = sock.recv(65536)
            if not b:
                return got, True
            got += b
    except (ConnectionResetError, BrokenPipeError):
        return got, True
    except socket.timeout:
        return got, False
    return got, False


def test_garbage_after_auth_closes(make_tls_server, tls_conn, tls_tree):
    srv = make_tls_server()
    c = tls_conn(srv)
    assert c.cmd("AUTH TLS")[0] == 234
    c.send(non_tls_garbage())
    got, closed = read_until_closed(c.sock)
    assert closed, "the server kept a connection that sent garbage for a handshake"
    assert not re.search(rb"^\d{3} ", got, re.M), f"FTP reply after a failed handshake: {got!r}"
    healthy(srv, tls_tree)


@pytest.mark.parametrize("payload", ["garbage", "http"])
def test_garbage_on_implicit_port_closes(make_tls_server, tls_tree, payload):
    srv = make_tls_server(implicit=True)
    s = socket.create_connection(("127.0.0.1", srv.implicit_port), timeout=10)
    try:
        s.sendall(non_tls_garbage() if payload == "garbage" else
                  b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        got, closed = read_until_closed(s)
    finally:
        s.close()
    assert closed, "the implicit port kept a connection that sent no handshake"
    # at most a TLS alert record: never a greeting, never HTTP
    assert got == b"" or got[:2] == b"\x15\x03", got[:200]
    assert b"220" not in got and b"HTTP" not in got, got[:200]
    healthy(srv, tls_tree)


@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_alpn_without_ftp_refused(make_tls_server, tls_conn, tls_tree, implicit):
    srv = make_tls_server(implicit=implicit)
    ctx = client_ctx(alpn=["http/1.1"])
    if implicit:
        with pytest.raises((ssl.SSLError, ConnectionResetError)):
            tls_conn(srv, ctx=ctx, implicit=True)
    else:
        e = handshake(srv, tls_conn, ctx)
        assert isinstance(e, (ssl.SSLError, ConnectionResetError)), \
            "a client that asked for http/1.1 only got a TLS session"
    healthy(srv, tls_tree)


@pytest.mark.parametrize("alpn", [["ftp"], ["h2", "ftp"]], ids=["ftp", "h2+ftp"])
@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_alpn_with_ftp_accepted(make_tls_server, tls_conn, tls_tree, implicit, alpn):
    srv = make_tls_server(implicit=implicit)
    ctx = client_ctx(alpn=alpn)
    if implicit:
        c = tls_conn(srv, ctx=ctx, implicit=True)
        assert c.greeting[0] == 220, c.greeting
    else:
        c = handshake(srv, tls_conn, ctx)
        assert isinstance(c, TlsFTP), c
    assert c.sock.selected_alpn_protocol() == "ftp"
    c.login()
    c.prot_p()
    assert c.retr("dir/one.txt") == b"one\n"


def test_plaintext_pipelined_after_auth_is_discarded(make_tls_server, tls_conn, tls_tree):
    """STARTTLS command injection: what came in clear with AUTH TLS must
    never be run once TLS is on."""
    srv = make_tls_server()
    c = tls_conn(srv)
    c.send(b"AUTH TLS\r\nUSER evil\r\n")
    code, text = c.reply()
    assert code == 234, text
    assert c.buf == b"", f"clear reply after 234: {c.buf!r}"
    c.starttls()
    code, text = c.cmd("NOOP")
    assert code == 200, f"first reply over TLS answers the injected USER: {text}"
    # no half-done USER evil: a fresh login sequence works as such
    code, text = c.cmd("PASS x")
    assert code == 503, f"PASS after a discarded USER: {text}"
    c.login("anonymous")
    c.prot_p()
    assert c.retr("dir/one.txt") == b"one\n"
    assert not re.search(r"< USER evil", srv.log())
    healthy(srv, tls_tree)


# ======================================================================
# 10. the engine in the transfer log; 11. ktls=required

def test_engine_tls_copy(make_tls_server, tls_tree):
    """PROT P downloads use tls-copy where the kernel has no kTLS (here
    ktls=off forces it where it has); plain downloads keep sendfile."""
    has_ktls, _ = kernel_tls_ulp()
    srv = make_tls_server(opts={"ktls": "off"} if has_ktls else None)
    f = ftps(srv)
    try:
        assert sha256(ftp_get(f, "ten_m.bin")) == sha256_file(tls_tree / "ten_m.bin")
        f.quit()
    finally:
        f.close()
    srv.wait_log(retr_log_re("/ten_m.bin", TEN_M, engine="tls-copy"))
    p = srv.ftp()  # plain FTP on the same server
    try:
        chunks = []
        p.retrbinary("RETR dir/two.bin", chunks.append)
        assert b"".join(chunks) == (tls_tree / "dir" / "two.bin").read_bytes()
        p.quit()
    finally:
        p.close()
    srv.wait_log(retr_log_re("/dir/two.bin", 4096 + 17, engine="sendfile"))


def test_engine_ktls_sendfile(make_tls_server, tls_tree):
    has_ktls, why = kernel_tls_ulp()
    if not has_ktls:
        pytest.skip(f"kernel has no tls ULP (CONFIG_TLS): kTLS path cannot run here "
                    f"(setsockopt TCP_ULP tls: {why})")
    srv = make_tls_server(opts={"ktls": "auto"})
    f = ftps(srv)
    try:
        assert sha256(ftp_get(f, "ten_m.bin")) == sha256_file(tls_tree / "ten_m.bin")
        off = BIG - 3 * MiB - 11
        assert ftp_get(f, "big.sparse", rest=off) == read_at(tls_tree / "big.sparse", off)
        f.quit()
    finally:
        f.close()
    srv.wait_log(retr_log_re("/ten_m.bin", TEN_M, engine="ktls-sendfile"))
    srv.wait_log(retr_log_re("/big.sparse", BIG - off, engine="ktls-sendfile"))


def start_must_fail(srv, timeout=15):
    """Start a server that must exit at once: its exit status."""
    try:
        srv.start(timeout=timeout)
    except (RuntimeError, AssertionError):
        pass
    try:
        return srv.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the server kept running:\n{srv.log()[-3000:]}")


def test_ktls_required_without_kernel_tls_fails_at_start(make_tls_server):
    has_ktls, _ = kernel_tls_ulp()
    if has_ktls:
        pytest.skip("this kernel offers the tls ULP: ktls=required can start here")
    srv = make_tls_server(opts={"ktls": "required"}, start=False)
    rc = start_must_fail(srv)
    assert rc != 0, srv.log()
    assert "ktls" in srv.log().lower(), srv.log()


# ======================================================================
# 12. close_notify on data connections

def no_close_notify(e):
    return isinstance(e, ssl.SSLEOFError) or getattr(e, "reason", None) in (
        "UNEXPECTED_EOF_WHILE_READING", "EOF_IN_VIOLATION_OF_PROTOCOL")


def test_data_connection_ends_with_close_notify(make_tls_server, tls_conn, tls_tree):
    """The server ends every PROT P data connection with close_notify: a
    client that insists (no OP_IGNORE_UNEXPECTED_EOF, no ragged EOFs) reads
    a clean end and unwrap() completes."""
    srv = make_tls_server()
    c = tls_login(tls_conn, srv, ctx=client_ctx(strict_eof=True))
    for cmd, want in (("RETR ten_m.bin", (tls_tree / "ten_m.bin").read_bytes()),
                      ("RETR empty.bin", b""), ("NLST dir", None), ("MLSD dir", None)):
        if cmd.startswith("RETR"):
            assert c.cmd("TYPE I")[0] == 200
        d = c.start_transfer(cmd, strict_eof=True)
        d.settimeout(T)
        got = bytearray()
        try:
            for _ in range(1000000):
                b = d.recv(1 << 20)
                if not b:
                    break
                got += b
            d.unwrap()  # completes: the server's close_notify was received
        except ssl.SSLError as e:
            if no_close_notify(e):
                pytest.fail(f"{cmd}: data connection ended without close_notify "
                            f"after {len(got)} bytes: {e}")
            raise
        finally:
            d.close()
        code, text = c.reply()
        assert code == 226, text
        if want is not None:
            assert bytes(got) == want, cmd
        else:
            assert b"one.txt" in got, got
    # ftplib (3.11 reads to the end, then calls conn.unwrap()) with the
    # same strict context: no error
    f = ftps(srv, ctx=client_ctx(strict_eof=True))
    try:
        assert ftp_get(f, "empty.bin") == b""
        assert sha256(ftp_get(f, "ten_m.bin")) == sha256_file(tls_tree / "ten_m.bin")
        assert sorted(os.path.basename(n) for n in f.nlst("dir")) == ["one.txt", "sub", "two.bin"]
        f.quit()
    finally:
        f.close()


# ======================================================================
# 13. bad TLS configuration

def check_only(opts, timeout=20):
    argv = [ZCFTPD, "-o", "listen=127.0.0.1:0"]
    for k, v in opts.items():
        argv += ["-o", f"{k}={v}"]
    return run(argv + ["-t"], timeout=timeout)


def test_cert_without_key_exits_2(certs):
    r = check_only({"tls_cert": str(certs[0])})
    assert r.returncode == 2, r.stderr
    assert b"tls_key" in r.stderr, r.stderr


def test_key_without_cert_exits_2(certs):
    r = check_only({"tls_key": str(certs[1])})
    assert r.returncode == 2, r.stderr
    assert b"tls_cert" in r.stderr, r.stderr


@pytest.mark.parametrize("level", ["login", "all"])
def test_tls_require_without_cert_exits_2(level):
    r = check_only({"tls_require": level})
    assert r.returncode == 2, r.stderr
    assert b"tls_cert" in r.stderr, r.stderr


def test_implicit_listen_without_cert_exits_2():
    r = check_only({"tls_implicit_listen": "127.0.0.1:0"})
    assert r.returncode == 2, r.stderr
    assert b"tls_cert" in r.stderr, r.stderr


@pytest.mark.parametrize("check", [True, False], ids=["-t", "start"])
def test_missing_cert_file(make_tls_server, certs, tmp_path, check):
    missing = tmp_path / "no-such-cert.pem"
    if check:
        r = check_only({"tls_cert": str(missing), "tls_key": str(certs[1])})
        assert r.returncode != 0, r.stderr
        assert str(missing).encode() in r.stderr, r.stderr
        return
    srv = make_tls_server(opts={"tls_cert": str(missing)}, start=False)
    rc = start_must_fail(srv)
    assert rc != 0, srv.log()
    assert str(missing) in srv.log(), srv.log()


def test_mismatched_key_refused(tmp_path, certs):
    other = tmp_path / "other-key.pem"
    r = run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-out", str(other)], timeout=30)
    assert r.returncode == 0, r.stderr
    r = check_only({"tls_cert": str(certs[0]), "tls_key": str(other)})
    assert r.returncode != 0, r.stderr
    assert b"tls_key" in r.stderr, r.stderr
