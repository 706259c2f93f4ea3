"""Data path of zcftpd: the transfer engines (sendfile by default, and
splice, mmap, readwrite on request), what happens mid-transfer (ABOR,
STAT, a file that shrinks or grows, a client that goes away or never
connects, a stalled receiver), REST offsets beyond 4 GiB, the xferlog
file, the rate limit and drop-behind.

Tests that change a file under a running transfer work on a copy in their
own anon_root, never on the shared tree.
"""
import contextlib
import ftplib
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time

import pytest

from conftest import (BIG_SPARSE, IS_ROOT, Reader, serving_worker, sha256, sha256_file,
                      wait_until)

MiB = 1024 * 1024
TEN_M = 10 * MiB
ENGINES = ["sendfile", "splice", "mmap", "readwrite"]


# ---------------------------------------------------------------- helpers


def private_root(tmp_path, tree, names):
    """An anon_root of our own with copies of some files of the tree."""
    root = tmp_path / "own-root"
    root.mkdir()
    root.chmod(0o755)
    for n in names:
        shutil.copyfile(tree / n, root / n)
        (root / n).chmod(0o644)
    return root


def sparse_tail(off):
    """What big.sparse holds from `off` to its end: zeros, then 'tail!'."""
    tail = b"tail!"
    zeros = max(0, BIG_SPARSE - len(tail) - off)
    return bytes(zeros) + tail[max(0, off - (BIG_SPARSE - len(tail))):]


def ftp_get(ftp, path, rest=None):
    chunks = []
    ftp.retrbinary(f"RETR {path}", chunks.append, rest=rest)
    return b"".join(chunks)


def retr_log_re(path, engine=r"\S+", result="ok", nbytes=r"\d+"):
    return (rf"RETR {re.escape(path)} bytes={nbytes} seconds=\d+\.\d+ "
            rf"engine={engine} result={result}\b")


# ------------------------------------------------------------------ engines

def test_binary_retr_uses_sendfile(make_server, tree):
    srv = make_server()
    ftp = srv.ftp()
    try:
        assert sha256(ftp_get(ftp, "ten_m.bin")) == sha256_file(tree / "ten_m.bin")
        ftp.quit()
    finally:
        ftp.close()
    srv.wait_log(retr_log_re("/ten_m.bin", "sendfile", "ok", TEN_M))
    assert "falling back" not in srv.log()


@contextlib.contextmanager
def strace_of(pid, tmp_path, syscalls):
    """strace -f of process PID for SYSCALLS (strace's trace= list) while
    the body runs; yields the path of strace's output. The body must end
    the traced session (QUIT): strace ends with the worker."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed")
    out, err = tmp_path / "strace.out", tmp_path / "strace.err"
    with open(err, "wb") as errf:
        st = subprocess.Popen([strace, "-f", "-e", "trace=" + syscalls, "-o", str(out),
                               "-p", str(pid)], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=errf)
    try:
        wait_until(lambda: "attached" in err.read_text(errors="replace") or st.poll() is not None,
                   10, "strace to attach")
        if st.poll() is not None:
            pytest.skip(f"strace cannot attach here: {err.read_text(errors='replace').strip()}")
        yield out
        st.wait(timeout=15)  # ends with the traced worker
    finally:
        if st.poll() is None:
            st.send_signal(signal.SIGINT)
            try:
                st.wait(timeout=5)
            except subprocess.TimeoutExpired:
                st.kill()
                st.wait(timeout=5)


def test_sendfile_syscalls_seen_by_strace(make_server, net, tree, tmp_path):
    srv = make_server()
    c = net.login(srv)
    with strace_of(serving_worker(srv, c), tmp_path, "sendfile") as out:
        data = net.retr(c, "ten_m.bin")
        assert sha256(data) == sha256_file(tree / "ten_m.bin")
        assert c.cmd("QUIT")[0] == 221
    calls = re.findall(r"sendfile\((\d+), (\d+), \[(\d+)\](?: => \[\d+\])?, (\d+)\) = (-?\d+)",
                       out.read_text())
    assert calls, f"no sendfile calls traced:\n{out.read_text()[:2000]}"
    asked = [int(x[3]) for x in calls]
    moved = sum(int(x[4]) for x in calls if int(x[4]) > 0)
    assert max(asked) <= 2 * MiB, f"a sendfile call asked for {max(asked)} bytes"
    assert moved == TEN_M
    assert len({(x[0], x[1]) for x in calls}) == 1, "one socket, one file"


@pytest.mark.parametrize("engine", ["sendfile", "readwrite"])
def test_plain_download_is_corked_to_its_last_byte(make_server, net, tree, tmp_path, engine):
    """TCP_CORK (full segments only: doc/DESIGN.md section 5 item 25) goes
    on before the first byte of a plain RETR and off after the last one,
    before the 226: a tail left corked would wait up to 200 ms for the
    kernel to send it, and the 226 for its acknowledgement."""
    srv = make_server(opts={"transfer_engine": engine})
    c = net.login(srv)
    send = {"sendfile": "sendfile", "readwrite": "sendto"}[engine]
    with strace_of(serving_worker(srv, c), tmp_path, "setsockopt,write," + send) as out:
        data = net.retr(c, "ten_m.bin")
        assert sha256(data) == sha256_file(tree / "ten_m.bin")
        assert c.cmd("QUIT")[0] == 221
    lines = out.read_text().splitlines()
    # sendfile and send (sendto) write only to data sockets; the control
    # replies and the log go out with write
    sends = [(i, m.group(1)) for i, line in enumerate(lines)
             for m in [re.match(r"\d+ +" + send + r"\((\d+),", line)] if m]
    cork = [(i, m.group(1), m.group(2)) for i, line in enumerate(lines)
            for m in [re.search(r"setsockopt\((\d+), SOL_TCP, TCP_CORK, \[(\d)\]", line)] if m]
    reply = [i for i, line in enumerate(lines) if re.search(r'write\(\d+, "226 ', line)]
    assert sends and reply, "\n".join(lines[:60])
    data_fd = sends[0][1]
    assert {fd for _, fd in sends} == {data_fd}, "one data socket"
    assert [(fd, v) for _, fd, v in cork] == [(data_fd, "1"), (data_fd, "0")], cork
    assert cork[0][0] < sends[0][0] and sends[-1][0] < cork[1][0] < reply[0], \
        (cork, sends[0], sends[-1], reply)


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_deliver_identical_bytes(make_server, tree, engine):
    srv = make_server(opts={"transfer_engine": engine})
    ten = (tree / "ten_m.bin").read_bytes()
    ftp = srv.ftp()
    try:
        assert ftp_get(ftp, "ten_m.bin") == ten
        # an offset that is not page aligned
        assert ftp_get(ftp, "ten_m.bin", rest=1234567) == ten[1234567:]
        # beyond 4 GiB
        off = BIG_SPARSE - 70001
        assert ftp_get(ftp, "big.sparse", rest=off) == sparse_tail(off)
        assert ftp_get(ftp, "one.bin") == b"x"
        assert ftp_get(ftp, "empty.bin") == b""
        ftp.quit()
    finally:
        ftp.close()
    srv.wait_log(retr_log_re("/ten_m.bin", engine, "ok", TEN_M))
    srv.wait_log(retr_log_re("/ten_m.bin", engine, "ok", TEN_M - 1234567))
    srv.wait_log(retr_log_re("/big.sparse", engine, "ok", 70001))
    srv.wait_log(r"engine=" + engine + r" result=ok", count=5)
    assert "falling back" not in srv.log()


# ------------------------------------------------------------ mid-transfer

@pytest.mark.parametrize("style", ["plain", "telnet-synch"])
def test_abor_mid_transfer(make_server, net, tree, tmp_path, style):
    xferlog = tmp_path / "xferlog"
    srv = make_server(opts={"rate_limit_anon": "2m", "xferlog": str(xferlog)})
    c = net.login(srv)
    r = net.start_retr(c, "ten_m.bin")
    r.wait_bytes(1 * MiB)  # about half a second in
    if style == "plain":
        c.send(b"ABOR\r\n")
    else:  # what BSD ftp and friends send: IAC IP, IAC DM as urgent data
        c.sock.send(b"\xff\xf4\xff", socket.MSG_OOB)
        c.send(b"\xf2ABOR\r\n")
    t0 = time.monotonic()
    code1, text1 = c.reply()
    code2, text2 = c.reply()
    assert (code1, code2) == (426, 226), (text1, text2)
    assert time.monotonic() - t0 < 3
    r.join(10)
    assert not r.is_alive()
    assert len(r.data) < TEN_M
    ten = (tree / "ten_m.bin").read_bytes()
    assert bytes(r.data) == ten[:len(r.data)]
    srv.wait_log(retr_log_re("/ten_m.bin", r"\S+", "aborted"))
    # the same session goes on
    assert c.cmd("NOOP")[0] == 200
    assert net.retr(c, "four_k.bin") == (tree / "four_k.bin").read_bytes()
    assert c.cmd("QUIT")[0] == 221
    srv.wait_log(r"session end")
    lines = xferlog.read_text().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].split()[8] == "/ten_m.bin" and lines[0].split()[-1] == "i", lines[0]
    assert lines[1].split()[8] == "/four_k.bin" and lines[1].split()[-1] == "c", lines[1]


def test_abor_stops_a_fast_unthrottled_transfer(make_server, net, tree):
    """A client that reads as fast as the server sends never makes sendfile
    block: ABOR must still be seen between chunks (vsftpd and proftpd send
    a whole 5 GiB file before looking)."""
    srv = make_server()
    c = net.login(srv)
    r = net.start_retr(c, "big.sparse")
    r.wait_bytes(64 * MiB)
    t0 = time.monotonic()
    c.send(b"ABOR\r\n")
    code1, text1 = c.reply()
    code2, text2 = c.reply()
    assert (code1, code2) == (426, 226), (text1, text2)
    assert time.monotonic() - t0 < 3
    r.join(10)
    assert len(r.data) < (tree / "big.sparse").stat().st_size
    srv.wait_log(retr_log_re("/big.sparse", "sendfile", "aborted"))
    assert c.cmd("NOOP")[0] == 200


def test_stat_mid_transfer(make_server, net, tree):
    srv = make_server(opts={"rate_limit_anon": "4m"})
    c = net.login(srv)
    c.sock.settimeout(30)
    r = net.start_retr(c, "ten_m.bin")
    r.wait_bytes(512 * 1024)
    seen = []
    for _ in range(2):
        code, text = c.cmd("STAT")
        assert code == 213, text
        m = re.search(r"In progress: RETR /ten_m\.bin, (\d+) of (\d+) bytes", text)
        assert m, text
        assert int(m.group(2)) == TEN_M
        seen.append(int(m.group(1)))
        time.sleep(0.3)
    assert 0 < seen[0] < seen[1] < TEN_M, seen
    r.join(30)
    assert not r.is_alive() and r.error is None, r.error
    assert sha256(bytes(r.data)) == sha256_file(tree / "ten_m.bin")
    code, text = c.reply()
    assert code == 226, text
    # after the transfer STAT is the plain status again
    code, text = c.cmd("STAT")
    assert code == 211, text
    srv.wait_log(retr_log_re("/ten_m.bin", "sendfile", "ok", TEN_M))


@pytest.mark.parametrize("new_size", [3 * MiB, 0], ids=["ahead", "to-zero"])
@pytest.mark.parametrize("engine", ENGINES)
def test_file_shrinks_mid_transfer(make_server, net, tree, tmp_path, engine, new_size):
    root = private_root(tmp_path, tree, ["ten_m.bin"])
    path = root / "ten_m.bin"
    orig = path.read_bytes()
    srv = make_server(opts={"rate_limit_anon": "2m", "transfer_engine": engine}, anon_root=root)
    c = net.login(srv)
    c.sock.settimeout(30)
    r = net.start_retr(c, "ten_m.bin")
    r.wait_bytes(1 * MiB)
    os.truncate(path, new_size)
    code, text = c.reply()
    r.join(10)
    assert code == 451, f"expected 451 after the file shrank, got {code} {text}"
    assert not r.is_alive()
    assert len(r.data) <= max(new_size, 2 * MiB)
    assert bytes(r.data) == orig[:len(r.data)]
    srv.wait_log(retr_log_re("/ten_m.bin", engine, "file-shrank"))
    assert not re.search(retr_log_re("/ten_m.bin", r"\S+", "ok"), srv.log())
    assert c.cmd("NOOP")[0] == 200


@pytest.mark.parametrize("engine", ENGINES)
def test_file_shrinks_under_a_slow_reader(make_server, net, tree, tmp_path, engine):
    """No rate limit: the engine is in the middle of a big chunk (for mmap,
    a mapped window half written to a full socket) when the file is
    truncated. Still 451 / file-shrank, never 226, never a network error."""
    root = private_root(tmp_path, tree, ["ten_m.bin"])
    path = root / "ten_m.bin"
    orig = path.read_bytes()
    srv = make_server(opts={"transfer_engine": engine}, anon_root=root)
    c = net.login(srv)
    c.sock.settimeout(30)
    assert c.cmd("TYPE I")[0] == 200
    addr = net.pasv(c, connect=False)
    d = socket.socket()
    net.items.append(d)
    d.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)  # before connect
    d.settimeout(10)
    d.connect(addr)
    c.send(b"RETR ten_m.bin\r\n")
    assert c.reply()[0] == 150
    got = bytearray()
    while len(got) < 1 * MiB:
        b = d.recv(32 * 1024)
        assert b
        got += b
        time.sleep(0.002)
    os.truncate(path, 0)
    try:
        while True:
            b = d.recv(1 << 20)
            if not b:
                break
            got += b
    except OSError:
        pass
    code, text = c.reply()
    assert len(got) < TEN_M, "the transfer ended before the truncation; test is void"
    assert bytes(got) == orig[:len(got)]
    assert code == 451, f"{engine}: expected 451 after the file shrank, got {text!r}"
    srv.wait_log(retr_log_re("/ten_m.bin", engine, "file-shrank"))
    assert c.cmd("NOOP")[0] == 200


def test_commands_during_transfer_wait_for_its_end(make_server, net, tree):
    """RFC 959: a command other than ABOR/STAT sent during a transfer is
    answered after the transfer's reply; QUIT closes after it."""
    srv = make_server(opts={"rate_limit_anon": "8m"})
    c = net.login(srv)
    c.sock.settimeout(20)
    r = net.start_retr(c, "ten_m.bin")
    r.wait_bytes(256 * 1024)
    c.send(b"NOOP\r\nQUIT\r\n")
    r.join(20)
    assert not r.is_alive() and r.error is None, r.error
    assert sha256(bytes(r.data)) == sha256_file(tree / "ten_m.bin")
    assert [c.reply()[0] for _ in range(3)] == [226, 200, 221]
    assert c.closed()
    srv.wait_log(retr_log_re("/ten_m.bin", "sendfile", "ok", TEN_M))


def test_control_connection_lost_mid_transfer(make_server, net):
    srv = make_server(opts={"rate_limit_anon": "2m"})
    c = net.login(srv)
    pid = serving_worker(srv, c)
    r = net.start_retr(c, "ten_m.bin")
    r.wait_bytes(256 * 1024)
    c.sock.close()
    r.join(10)
    assert not r.is_alive(), "the transfer must stop when the control connection is gone"
    assert len(r.data) < TEN_M
    srv.wait_log(retr_log_re("/ten_m.bin", r"\S+", "control-lost"))
    srv.wait_log(rf"\[{pid} [^\]]*\] session end")
    wait_until(lambda: not os.path.exists(f"/proc/{pid}"), 10, "the worker to exit")


def test_abor_while_waiting_for_the_data_connection(make_server, net, tree):
    srv = make_server(opts={"data_timeout": "20"})
    c = net.login(srv)
    assert c.cmd("TYPE I")[0] == 200
    net.pasv(c, connect=False)
    c.send(b"RETR four_k.bin\r\n")
    time.sleep(0.2)
    t0 = time.monotonic()
    c.send(b"ABOR\r\n")
    codes = [c.reply()[0], c.reply()[0]]
    assert codes == [426, 226], codes
    assert time.monotonic() - t0 < 3
    assert net.retr(c, "four_k.bin") == (tree / "four_k.bin").read_bytes()


def test_file_grows_mid_transfer(make_server, net, tree, tmp_path):
    root = private_root(tmp_path, tree, ["ten_m.bin"])
    path = root / "ten_m.bin"
    orig = path.read_bytes()
    srv = make_server(opts={"rate_limit_anon": "4m"}, anon_root=root)
    c = net.login(srv)
    c.sock.settimeout(30)
    r = net.start_retr(c, "ten_m.bin")
    r.wait_bytes(1 * MiB)
    with open(path, "ab") as f:
        f.write(os.urandom(MiB))
    r.join(30)
    assert not r.is_alive() and r.error is None, r.error
    code, text = c.reply()
    assert code == 226, text
    assert len(r.data) == TEN_M, "exactly the size at RETR must be sent"
    assert sha256(bytes(r.data)) == sha256(orig)
    srv.wait_log(retr_log_re("/ten_m.bin", "sendfile", "ok", TEN_M))


def test_client_closes_data_connection_early(make_server, net, tree):
    srv = make_server(opts={"rate_limit_anon": "2m"})
    c = net.login(srv)
    c.sock.settimeout(15)
    d = net.start_retr(c, "ten_m.bin", reader=False)
    got = 0
    while got < 256 * 1024:
        b = d.recv(65536)
        assert b
        got += len(b)
    d.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    d.close()  # reset
    code, text = c.reply()
    assert code == 426, text
    srv.wait_log(retr_log_re("/ten_m.bin", r"\S+", "network-error"))
    # the session continues
    assert c.cmd("NOOP")[0] == 200
    assert net.retr(c, "four_k.bin") == (tree / "four_k.bin").read_bytes()


def test_pasv_never_connected_gives_425(make_server, net, tree):
    srv = make_server(opts={"data_timeout": "2"})
    c = net.login(srv)
    c.sock.settimeout(15)
    assert c.cmd("TYPE I")[0] == 200
    net.pasv(c, connect=False)
    t0 = time.monotonic()
    code, text = c.cmd("RETR four_k.bin")
    elapsed = time.monotonic() - t0
    assert code == 425, text
    assert 1.5 <= elapsed <= 6, f"425 after {elapsed:.1f} s with data_timeout=2"
    assert c.cmd("NOOP")[0] == 200
    assert net.retr(c, "four_k.bin") == (tree / "four_k.bin").read_bytes()


def test_stalled_receiver_gives_426(make_server, net):
    srv = make_server(opts={"data_timeout": "2"})
    c = net.login(srv)
    c.sock.settimeout(20)
    d = net.start_retr(c, "big.sparse", rest=0, reader=False)
    d.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)  # never read
    t0 = time.monotonic()
    code, text = c.reply()
    elapsed = time.monotonic() - t0
    assert code == 426, text
    assert elapsed <= 15, f"426 after {elapsed:.1f} s with data_timeout=2"
    srv.wait_log(retr_log_re("/big.sparse", r"\S+", "timeout"))
    assert c.cmd("NOOP")[0] == 200


# -------------------------------------------------------------------- REST

def test_rest_offsets(make_server, net, tree):
    srv = make_server()
    ten = (tree / "ten_m.bin").read_bytes()
    ftp = srv.ftp()
    try:
        for off in (1, 4095, 4096, 8 * MiB + 3, TEN_M - 1, TEN_M):
            assert ftp_get(ftp, "ten_m.bin", rest=off) == ten[off:], off
        for off in (2 ** 32 + 2 ** 30 + 1,  # > 4 GiB, 12344 bytes before the end
                    BIG_SPARSE - 70001, BIG_SPARSE - 6, BIG_SPARSE - 5,
                    BIG_SPARSE - 1, BIG_SPARSE):
            assert off > 2 ** 32
            assert ftp_get(ftp, "big.sparse", rest=off) == sparse_tail(off), off
        with pytest.raises(ftplib.error_perm, match=r"^554"):
            ftp_get(ftp, "big.sparse", rest=BIG_SPARSE + 1)
        # REST applies to the next RETR only
        assert ftp_get(ftp, "four_k.bin") == (tree / "four_k.bin").read_bytes()
        ftp.quit()
    finally:
        ftp.close()
    # the 150 reply announces the bytes that follow
    c = net.login(srv)
    off = BIG_SPARSE - 70001
    assert c.cmd("TYPE I")[0] == 200
    assert c.cmd(f"REST {off}")[0] == 350
    d = net.pasv(c)
    code, text = c.cmd("RETR big.sparse")
    assert code == 150 and "(70001 bytes)" in text, text
    r = Reader(d)
    r.start()
    r.join(20)
    assert bytes(r.data) == sparse_tail(off)
    assert c.reply()[0] == 226


# ----------------------------------------------------------------- xferlog

def test_xferlog_one_line_per_retr(make_server, tmp_path, tree):
    xferlog = tmp_path / "xferlog"
    srv = make_server(opts={"xferlog": str(xferlog)})
    ftp = srv.ftp()
    try:
        ftp_get(ftp, "four_k.bin")
        ftp_get(ftp, "pub/readme.txt")
        ftp_get(ftp, "ten_m.bin", rest=TEN_M - 100)
        with pytest.raises(ftplib.error_perm):
            ftp_get(ftp, "no-such-file")
        ftp.retrlines("RETR text.txt", lambda line: None)  # TYPE A
        ftp.retrlines("LIST")  # not a file transfer
        ftp.quit()
    finally:
        ftp.close()
    srv.wait_log(r"session end")
    lines = xferlog.read_text().splitlines()
    assert len(lines) == 4, lines
    expect = [("/four_k.bin", 4096, "b"), ("/pub/readme.txt", 11, "b"),
              ("/ten_m.bin", 100, "b"), ("/text.txt", None, "a")]
    for line, (path, size, kind) in zip(lines, expect):
        f = line.split()
        assert len(f) == 18, line
        time.strptime(" ".join(f[0:5]), "%a %b %d %H:%M:%S %Y")
        assert f[5].isdigit()                # transfer time, seconds
        assert f[6] == "127.0.0.1"           # remote host
        if size is not None:
            assert int(f[7]) == size, line   # bytes
        assert f[8] == path                  # file name
        assert f[9] == kind                  # a(scii) / b(inary)
        assert f[10] == "_"                  # no special action
        assert f[11] == "o"                  # outgoing
        assert f[12] == "a"                  # anonymous
        assert f[13] == "anonymous@"         # the password ftplib sends
        assert f[14] == "ftp" and f[15] == "0" and f[16] == "*"
        assert f[17] == "c", line            # complete


# ------------------------------------------------------ rate limit, caches

def test_rate_limit_anon_limits(make_server, tree):
    srv = make_server(opts={"rate_limit_anon": "1m"})
    ten = (tree / "ten_m.bin").read_bytes()
    ftp = srv.ftp()
    try:
        t0 = time.monotonic()
        data = ftp_get(ftp, "ten_m.bin", rest=8 * MiB)  # 2 MiB
        elapsed = time.monotonic() - t0
        ftp.quit()
    finally:
        ftp.close()
    assert data == ten[8 * MiB:]
    assert 1.5 <= elapsed <= 15, f"2 MiB at 1 MiB/s took {elapsed:.2f} s"
    srv.wait_log(retr_log_re("/ten_m.bin", r"\S+", "ok", 2 * MiB))
    secs = float(re.search(r"RETR /ten_m\.bin bytes=2097152 seconds=(\d+\.\d+)", srv.log()).group(1))
    assert secs >= 1.5, secs


def resident_fraction(path, off=0, length=None):
    """Share of PATH's pages (of [OFF, OFF + LENGTH), page-aligned) in the
    page cache: mincore(2) on a shared mapping (truthful to us: we own the
    file)."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                          ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    size = os.path.getsize(path)
    pages = (size + 4095) // 4096
    vec = (ctypes.c_ubyte * pages)()
    fd = os.open(path, os.O_RDONLY)
    try:
        addr = libc.mmap(None, size, 1, 1, fd, 0)  # PROT_READ, MAP_SHARED
        assert addr not in (None, ctypes.c_void_p(-1).value)
        try:
            assert libc.mincore(addr, size, vec) == 0, ctypes.get_errno()
        finally:
            libc.munmap(addr, size)
    finally:
        os.close(fd)
    first = off // 4096
    last = pages if length is None else (off + length + 4095) // 4096
    return sum(b & 1 for b in vec[first:last]) / (last - first)


def evicted_file(path, size):
    """A file of SIZE random bytes, written to disk and out of the cache."""
    with open(path, "wb") as f:
        f.write(os.urandom(size))
        f.flush()
        os.fsync(f.fileno())
        os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    path.chmod(0o644)


def test_popular_big_file_is_kept_cached(make_server, tmp_path, tree):
    """Drop-behind releases a big file the first time it is sent; sent
    again within the popularity window, it is left in the cache."""
    root = private_root(tmp_path, tree, ["four_k.bin"])
    iso = root / "release.iso"
    evicted_file(iso, 8 * MiB)
    want = sha256_file(iso)
    srv = make_server(opts={"drop_behind_threshold": "1m"}, anon_root=root)
    r = subprocess.run(["curl", "-sS", "--max-time", "30", srv.url("release.iso")],
                       capture_output=True, timeout=60)
    assert r.returncode == 0 and sha256(r.stdout) == want, r.stderr
    srv.wait_log(r"RETR /release\.iso bytes=8388608 .* cache=drop-behind")
    ftp = srv.ftp()
    try:
        assert sha256(ftp_get(ftp, "release.iso")) == want
        ftp.quit()
    finally:
        ftp.close()
    srv.wait_log(r"RETR /release\.iso bytes=8388608 .* cache=kept-popular")
    # nothing of the second download was dropped
    assert resident_fraction(iso) > 0.95
    # files below the threshold are not in the table and say nothing
    ftp = srv.ftp()
    try:
        assert ftp_get(ftp, "four_k.bin") == (tree / "four_k.bin").read_bytes()
        ftp.quit()
    finally:
        ftp.close()
    srv.wait_log(retr_log_re("/four_k.bin"))
    assert "cache=" not in re.search(r"RETR /four_k\.bin bytes.*", srv.log()).group(0)


def cache_range(path, off, length):
    """Read [OFF, OFF + LENGTH) of PATH into the page cache, without the
    readahead that would run on into the next range."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
        done = 0
        while done < length:
            got = os.pread(fd, min(MiB, length - done), off + done)
            assert got
            done += len(got)
    finally:
        os.close(fd)


def retr_with_small_receive_queue(srv, name, rcvbuf=256 * 1024):
    """Download NAME (ftplib) with the client's receive buffer fixed at
    RCVBUF; the byte count. On loopback the pages a server sends sit in
    the client's receive queue until read, and the kernel does not drop
    a page in use: autotuned, that queue may grow to tcp_rmem's maximum
    (32 MiB on recent kernels), a whole drop-behind window."""
    ftp = srv.ftp()
    n = 0
    try:
        ftp.voidcmd("TYPE I")
        with ftp.transfercmd(f"RETR {name}") as conn:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            while True:
                chunk = conn.recv(MiB)
                if not chunk:
                    break
                n += len(chunk)
        ftp.voidresp()
        ftp.quit()
    finally:
        ftp.close()
    return n


def test_drop_behind_probes_only_until_the_first_cold_window(make_server, tmp_path, tree):
    """Drop-behind asks, per 32 MiB window, whether the file was cached
    before the download; each answer "no" costs a page read, so it stops
    asking at the first window that was not: a cached window before it
    stays, every window from it on is dropped once sent, even one that
    was cached (the file: cached, cold, cached, cold)."""
    win = 32 * MiB
    root = private_root(tmp_path, tree, [])
    srv = make_server(opts={"drop_behind_threshold": "1m"}, anon_root=root)
    for attempt in range(6):  # bounded: a probe can race its own page read
        # a new file each time: a file sent before is popular, and kept
        name = f"big{attempt}.img"
        big = root / name
        evicted_file(big, 4 * win)
        if resident_fraction(big) > 0.01:
            pytest.skip("this file system keeps clean pages in memory (tmpfs)")
        cache_range(big, 0, win)
        cache_range(big, 2 * win, win)
        assert retr_with_small_receive_queue(srv, name) == 4 * win
        srv.wait_log(rf"RETR /{name} bytes=134217728 .* cache=drop-behind")
        if resident_fraction(big, win, win) > 0.5:
            continue  # window 1's probe read its page before it looked: it said cached
        assert resident_fraction(big, 0, win) > 0.95
        # dropped; not to 0: a page still queued for the client when its
        # range was dropped stays, and with it its whole folio (up to
        # 2 MiB where ext4 has large folios: the last window keeps 2 MiB
        # here); kept, the window would be wholly resident
        assert resident_fraction(big, 2 * win, win) < 0.2
        assert resident_fraction(big, 3 * win, win) < 0.2
        return
    pytest.fail("every attempt's probe of window 1 said cached")


def memory_cgroup(limit):
    """A new memory cgroup limited to LIMIT bytes (cgroup v1 or v2):
    (its cgroup.procs file, its directory). Skips where there is none."""
    if not IS_ROOT:
        pytest.skip("creating a memory cgroup needs root")
    name = f"zc-test-{os.getpid()}-{time.monotonic_ns()}"
    if os.path.isfile("/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        d, knob = f"/sys/fs/cgroup/memory/{name}", "memory.limit_in_bytes"
    elif "memory" in open("/sys/fs/cgroup/cgroup.controllers").read().split() \
            if os.path.exists("/sys/fs/cgroup/cgroup.controllers") else False:
        d, knob = f"/sys/fs/cgroup/{name}", "memory.max"
    else:
        pytest.skip("no cgroup memory controller here")
    try:
        os.mkdir(d)
        with open(os.path.join(d, knob), "w") as f:
            f.write(str(limit))
    except OSError as e:
        pytest.skip(f"cannot create a memory cgroup: {e}")
    return os.path.join(d, "cgroup.procs"), d


def test_popular_file_too_big_for_the_memory_is_still_dropped(make_server, tmp_path, tree):
    """The server reads its memory cgroup's limit: in 512 MiB, a popular
    file above a quarter of it (128 MiB) is dropped behind every time, a
    small popular one is kept."""
    procs, cg = memory_cgroup(512 * MiB)
    try:
        root = private_root(tmp_path, tree, [])
        big = root / "big.img"
        with open(big, "wb") as f:
            f.truncate(136 * MiB)  # sparse: quick to make, read as zeros
        big.chmod(0o644)
        evicted_file(root / "mid.img", 4 * MiB)

        def enter_cgroup():
            with open(procs, "w") as f:
                f.write(str(os.getpid()))

        srv = make_server(opts={"drop_behind_threshold": "1m", "log_level": "debug"},
                          anon_root=root, start=False)
        srv.popen_kw = {"preexec_fn": enter_cgroup}
        srv.start()
        assert re.search(r"page cache budget 512 MiB", srv.log()), srv.log()[-2000:]
        for _ in range(2):
            for name in ("big.img", "mid.img"):
                r = subprocess.run(["curl", "-sS", "-o", "/dev/null", "--max-time", "60",
                                    srv.url(name)], capture_output=True, timeout=90)
                assert r.returncode == 0, r.stderr
        srv.wait_log(r"RETR /mid\.img bytes=\d+ .* cache=kept-popular")
        caches = re.findall(r"RETR /big\.img bytes=142606336 .* cache=(\S+)", srv.log())
        assert caches == ["drop-behind", "drop-behind"], srv.log()[-3000:]
        srv.stop()
    finally:
        for _ in range(100):  # bounded: the server's processes leave the group
            try:
                os.rmdir(cg)
                break
            except OSError:
                time.sleep(0.05)


@pytest.mark.parametrize("engine", ["sendfile", "readwrite"])
def test_drop_behind_large_file(make_server, tree, engine):
    srv = make_server(opts={"drop_behind_threshold": "1m", "transfer_engine": engine})
    ten = (tree / "ten_m.bin").read_bytes()
    ftp = srv.ftp()
    try:
        assert sha256(ftp_get(ftp, "ten_m.bin")) == sha256(ten)
        assert ftp_get(ftp, "ten_m.bin", rest=3 * MiB + 5) == ten[3 * MiB + 5:]
        assert ftp_get(ftp, "four_k.bin") == (tree / "four_k.bin").read_bytes()  # below
        ftp.quit()
    finally:
        ftp.close()
    srv.wait_log(retr_log_re("/ten_m.bin", engine, "ok", TEN_M))
