"""The control protocol, command by command, on a raw socket: reply codes
(RFC 959, 2389, 2428, 3659, 7151), FEAT format and every advertised
feature, HELP, SYST, PWD quoting, navigation, TYPE/MODE/STRU, REST,
EPSV ALL, REIN, ACCT, HOST, OPTS, ABOR, ALLO, the pre-login table,
pipelining, Telnet IAC and bare-LF line endings.
"""
import ftplib
import os
import re
import socket
import time

import pytest

from conftest import RawFTP

T = 30

# Allowed before login (issue #2); everything else in the command set: 530.
PRELOGIN_OK = {"USER", "PASS", "QUIT", "SYST", "HELP", "NOOP", "FEAT", "OPTS", "HOST",
               "AUTH", "PBSZ", "PROT"}
HTTP_VERBS = {"GET", "POST", "HEAD", "PUT", "DELETE", "CONNECT", "OPTIONS"}
# The command set as of issue #2 (HELP may list more; both are checked).
COMMAND_SET = [
    "USER", "PASS", "ACCT", "CWD", "XCWD", "CDUP", "XCUP", "SMNT", "REIN", "QUIT",
    "PORT", "PASV", "EPRT", "EPSV", "TYPE", "STRU", "MODE",
    "RETR", "STOR", "STOU", "APPE", "ALLO", "REST", "RNFR", "RNTO", "ABOR", "DELE",
    "RMD", "XRMD", "MKD", "XMKD", "PWD", "XPWD", "LIST", "NLST", "SITE", "SYST",
    "STAT", "HELP", "NOOP", "FEAT", "OPTS", "SIZE", "MDTM", "MFMT", "HOST",
]
# an argument good enough to pass the syntax check, per verb
SAMPLE_ARG = {
    "USER": "anonymous", "PASS": "x", "ACCT": "acct", "CWD": "pub", "XCWD": "pub",
    "SMNT": "/", "PORT": "127,0,0,1,19,137", "EPRT": "|1|127.0.0.1|5001|", "TYPE": "I",
    "STRU": "F", "MODE": "S", "RETR": "text.txt", "STOR": "x.txt", "APPE": "x.txt",
    "ALLO": "100", "REST": "0", "RNFR": "text.txt", "RNTO": "y.txt", "DELE": "text.txt",
    "RMD": "pub", "XRMD": "pub", "MKD": "newdir", "XMKD": "newdir", "SITE": "HELP",
    "OPTS": "UTF8 ON", "SIZE": "text.txt", "MDTM": "text.txt",
    "MFMT": "20200101000000 text.txt", "HOST": "localhost", "MLST": "text.txt",
}


# -------------------------------------------------------------- helpers

def login(c):
    code, text = c.cmd("USER anonymous")
    assert code == 331, text
    code, text = c.cmd("PASS guest@example.org")
    assert code == 230, text


def epsv_port(c):
    code, text = c.cmd("EPSV")
    assert code == 229, text
    return int(re.search(r"\(\|\|\|(\d+)\|\)", text).group(1))


def pasv_port(c):
    code, text = c.cmd("PASV")
    assert code == 227, text
    nums = [int(x) for x in re.search(r"\((\d+(?:,\d+){5})\)", text).group(1).split(",")]
    assert nums[:4] == [127, 0, 0, 1], text
    return nums[4] * 256 + nums[5]


def recv_all(sock):
    sock.settimeout(T)
    out = []
    while True:
        b = sock.recv(65536)
        if not b:
            break
        out.append(b)
    sock.close()
    return b"".join(out)


def transfer(c, cmd, port=None):
    """Passive transfer on a raw control connection: (bytes, final code)."""
    if port is None:
        port = epsv_port(c)
    d = socket.create_connection(("127.0.0.1", port), timeout=T)
    c.send(cmd.encode() + b"\r\n")
    code, text = c.reply()
    assert code in (125, 150), text
    data = recv_all(d)
    code, text = c.reply()
    return data, code


def active_transfer(c, verb_line_fn, cmd):
    """Active transfer: listen, announce with verb_line_fn(port), run cmd."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.settimeout(T)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    try:
        code, text = c.cmd(verb_line_fn(ls.getsockname()[1]))
        assert code == 200, text
        c.send(cmd.encode() + b"\r\n")
        code, text = c.reply()
        assert code in (125, 150), text
        d, peer = ls.accept()
        assert peer[0] == "127.0.0.1"
        data = recv_all(d)
        code, text = c.reply()
        return data, code
    finally:
        ls.close()


def assert_serves(srv, tree, name="text.txt"):
    f = ftplib.FTP()
    f.connect(srv.host, srv.port, timeout=T)
    try:
        f.login()
        chunks = []
        f.retrbinary("RETR " + name, chunks.append)
        f.quit()
    finally:
        f.close()
    assert b"".join(chunks) == (tree / name).read_bytes()


@pytest.fixture
def c(raw):
    """A logged-in raw control connection."""
    conn = raw()
    assert conn.greeting[0] == 220
    login(conn)
    return conn


# ------------------------------------------------------- greeting, SYST

def test_greeting_and_syst(raw):
    conn = raw()
    assert conn.greeting == (220, "220 zcftpd ready")
    assert conn.cmd("SYST") == (215, "215 UNIX Type: L8")
    login(conn)
    assert conn.cmd("SYST") == (215, "215 UNIX Type: L8")
    assert conn.cmd("syst") == (215, "215 UNIX Type: L8")  # verbs are case-insensitive
    assert conn.cmd("NOOP")[0] == 200
    assert conn.cmd("nOoP")[0] == 200
    assert conn.cmd("QUIT")[0] == 221
    assert conn.closed()


# ------------------------------------------------------------------ FEAT

def feature_checks(srv, tree):
    """A check per FEAT keyword; each runs on a fresh logged-in session."""

    def pasv(c):
        data, code = transfer(c, "NLST", pasv_port(c))
        assert code == 226 and b"text.txt\r\n" in data

    def epsv(c):
        data, code = transfer(c, "NLST")
        assert code == 226 and b"text.txt\r\n" in data

    def eprt(c):
        data, code = active_transfer(c, lambda p: f"EPRT |1|127.0.0.1|{p}|", "NLST")
        assert code == 226 and b"text.txt\r\n" in data

    def rest(c, feat):
        assert feat.upper() == "REST STREAM", feat
        assert c.cmd("TYPE I")[0] == 200
        assert c.cmd("REST 5")[0] == 350
        data, code = transfer(c, "RETR text.txt")
        assert code == 226 and data == (tree / "text.txt").read_bytes()[5:]

    def size(c):
        assert c.cmd("SIZE text.txt") == (213, f"213 {(tree / 'text.txt').stat().st_size}")

    def mdtm(c):
        want = time.strftime("%Y%m%d%H%M%S", time.gmtime((tree / "text.txt").stat().st_mtime))
        assert c.cmd("MDTM text.txt") == (213, f"213 {want}")

    def utf8(c):
        assert c.cmd("OPTS UTF8 ON")[0] == 200
        name = "caf\u00e9-\u00fc\u00f1\u00ee.txt"
        assert c.cmd(f"SIZE {name}") == (213, f"213 {(tree / name).stat().st_size}")

    def host(c):
        # a fresh connection: HOST comes before USER (RFC 7151)
        h = RawFTP(srv.host, srv.port)
        try:
            code, text = h.cmd("HOST localhost")
            assert code == 220, text
            login(h)
            assert h.cmd("PWD")[0] == 257
        finally:
            h.close()

    def tvfs(c):
        assert c.cmd("CWD /pub/nested")[0] == 250
        assert c.cmd("PWD")[1].startswith('257 "/pub/nested"')
        assert c.cmd("SIZE /pub/readme.txt")[0] == 213
        assert c.cmd("SIZE ../readme.txt")[0] == 213

    def mlst(c, feat):
        # RFC 3659 7.8: "MLST fact*;fact;..."
        facts = feat.split(" ", 1)[1] if " " in feat else ""
        assert re.fullmatch(r"([A-Za-z.]+\*?;)+", facts), feat
        code, text = c.cmd("MLST text.txt")
        assert code == 250, text
        lines = text.split("\n")
        assert lines[0].startswith("250-") and lines[-1].startswith("250 "), text
        assert len(lines) == 3 and lines[1].startswith(" "), text
        assert re.search(r"(?i)(^|;)type=file;", lines[1][1:]), text
        assert re.search(r"(?i)(^|;)size=%d;" % (tree / "text.txt").stat().st_size, lines[1][1:]), text
        assert lines[1].endswith("text.txt"), text
        data, code = transfer(c, "MLSD pub")
        assert code == 226
        names = {l.split("; ", 1)[1] for l in data.decode().split("\r\n") if "; " in l}
        assert {"readme.txt", "nested"} <= names, data

    return {"PASV": pasv, "EPSV": epsv, "EPRT": eprt, "REST": rest, "SIZE": size,
            "MDTM": mdtm, "UTF8": utf8, "HOST": host, "TVFS": tvfs, "MLST": mlst}


def test_feat_format_and_every_feature_works(server, tree, raw):
    conn = raw()
    code, text = conn.cmd("FEAT")  # allowed before login
    assert code == 211, text
    lines = text.split("\n")
    # RFC 2389 3.2: "211-" first line, one feature per line with exactly
    # one leading space, "211 " last line
    assert lines[0].startswith("211-"), lines[0]
    assert lines[-1].startswith("211 "), lines[-1]
    assert len(lines) > 2
    feats = []
    for l in lines[1:-1]:
        assert re.match(r"^ \S", l), f"bad feature line {l!r}"
        feats.append(l[1:])
    names = [f.split(" ")[0].upper() for f in feats]
    assert len(set(names)) == len(names), names
    for required in ("EPSV", "EPRT", "PASV", "SIZE", "MDTM", "REST", "UTF8", "HOST", "TVFS"):
        assert required in names, (required, feats)
    # the same list after login
    login(conn)
    code, text2 = conn.cmd("FEAT")
    assert code == 211 and [l for l in text2.split("\n")[1:-1]] == lines[1:-1]
    checks = feature_checks(server, tree)
    for feat, name in zip(feats, names):
        assert name in checks, (f"FEAT advertises {feat!r} but this test has no check "
                                f"for it: add one to feature_checks()")
        c = RawFTP(server.host, server.port)
        try:
            login(c)
            fn = checks[name]
            if fn.__code__.co_argcount == 2:
                fn(c, feat)
            else:
                fn(c)
            assert c.cmd("NOOP")[0] == 200, feat
        finally:
            c.close()


# ------------------------------------------------------------------ HELP

def test_help(raw):
    conn = raw()
    code, text = conn.cmd("HELP")  # allowed before login
    assert code == 214, text
    lines = text.split("\n")
    assert lines[0].startswith("214-") and lines[-1].startswith("214 "), text
    listed = set(re.findall(r"\b[A-Z]{3,4}\b", " ".join(lines[1:-1])))
    for verb in ("USER", "PASS", "RETR", "LIST", "NLST", "EPSV", "EPRT", "PASV", "PORT",
                 "FEAT", "SIZE", "MDTM", "REST", "TYPE", "QUIT", "HELP", "STAT", "PWD"):
        assert verb in listed, verb
    assert not (listed & HTTP_VERBS), listed & HTTP_VERBS
    code, text = conn.cmd("HELP RETR")
    assert code == 214 and "RETR" in text, text
    code, text = conn.cmd("help size")
    assert code == 214 and "SIZE" in text, text
    code, text = conn.cmd("HELP NOSUCHVERB")
    assert code in (501, 502, 504), text
    login(conn)
    assert conn.cmd("HELP")[0] == 214
    assert conn.cmd("SITE HELP")[0] == 214
    code, text = conn.cmd("SITE NOSUCHTHING")
    assert code in (500, 501, 502, 504), text


# --------------------------------------------------- PWD CWD CDUP XCWD..

def test_pwd_quotes_doubled(make_server, tmp_path):
    root = tmp_path / "quotes"
    (root / 'we"ird' / 'a""b').mkdir(parents=True)
    (root / "with space").mkdir()
    (root / "\u00fcn\u00ef").mkdir()
    srv = make_server(anon_root=root)
    c = RawFTP(srv.host, srv.port)
    try:
        login(c)
        assert c.cmd('CWD we"ird')[0] == 250
        code, text = c.cmd("PWD")
        assert code == 257 and text.startswith('257 "/we""ird" '), text
        assert c.cmd('CWD a""b')[0] == 250
        code, text = c.cmd("XPWD")
        assert code == 257 and text.startswith('257 "/we""ird/a""""b" '), text
        assert c.cmd("CWD /with space")[0] == 250
        assert c.cmd("PWD")[1].startswith('257 "/with space" ')
        assert c.cmd("CWD /\u00fcn\u00ef")[0] == 250
        assert c.cmd("PWD")[1].startswith('257 "/\u00fcn\u00ef" ')
    finally:
        c.close()


def pwd(c):
    code, text = c.cmd("PWD")
    assert code == 257, text
    return re.match(r'257 "((?:[^"]|"")*)"', text).group(1).replace('""', '"')


def test_cwd_cdup_xcwd_xcup(c):
    assert pwd(c) == "/"
    assert c.cmd("CWD pub")[0] == 250
    assert pwd(c) == "/pub"
    assert c.cmd("XCWD nested")[0] == 250
    assert pwd(c) == "/pub/nested"
    assert c.cmd("CDUP")[0] in (200, 250)
    assert pwd(c) == "/pub"
    assert c.cmd("XCUP")[0] in (200, 250)
    assert pwd(c) == "/"
    assert c.cmd("CDUP")[0] in (200, 250)  # at the root: stays there
    assert pwd(c) == "/"
    assert c.cmd("CWD /pub/nested/")[0] == 250
    assert pwd(c) == "/pub/nested"
    assert c.cmd("CWD ../..")[0] == 250
    assert pwd(c) == "/"
    assert c.cmd("CWD link-dir")[0] == 250  # a symlink to a directory inside
    assert pwd(c) == "/link-dir"
    assert c.cmd("SIZE readme.txt")[0] == 213
    assert c.cmd("CWD /")[0] == 250
    for bad in ("no-such-dir", "text.txt", "pub/readme.txt", "link-inside.txt"):
        code, text = c.cmd(f"CWD {bad}")
        assert code == 550, (bad, text)
        assert pwd(c) == "/"
    assert c.cmd("XCWD no-such-dir")[0] == 550
    assert c.cmd("CWD .")[0] == 250
    assert pwd(c) == "/"


# ---------------------------------------------------- TYPE MODE STRU

@pytest.mark.parametrize("cmd,code", [
    ("TYPE I", 200), ("TYPE A", 200), ("TYPE A N", 200), ("TYPE L 8", 200),
    ("type i", 200), ("TYPE a", 200),
    ("TYPE E", 504), ("TYPE A T", 504), ("TYPE A C", 504), ("TYPE L 7", 504),
    ("TYPE X", 501), ("TYPE 7", 501), ("TYPE ?", 501),
    ("MODE S", 200), ("MODE s", 200), ("MODE B", 504), ("MODE C", 504),
    ("MODE X", 501), ("MODE SS", 501),
    ("STRU F", 200), ("STRU f", 200), ("STRU R", 504), ("STRU P", 504),
    ("STRU X", 501), ("STRU FF", 501),
])
def test_type_mode_stru(server, tree, c, cmd, code):
    got, text = c.cmd(cmd)
    assert got == code, text
    assert c.cmd("NOOP")[0] == 200
    assert_serves(server, tree)


def test_type_changes_transfer(c, tree):
    assert c.cmd("TYPE A")[0] == 200
    data, code = transfer(c, "RETR text.txt")
    assert code == 226 and data == (tree / "text.txt").read_bytes().replace(b"\n", b"\r\n")
    assert c.cmd("TYPE E")[0] == 504  # refused: TYPE A stays
    data, code = transfer(c, "RETR text.txt")
    assert data == (tree / "text.txt").read_bytes().replace(b"\n", b"\r\n")
    assert c.cmd("TYPE I")[0] == 200
    data, code = transfer(c, "RETR text.txt")
    assert code == 226 and data == (tree / "text.txt").read_bytes()


# ------------------------------------------------------------------ REST

@pytest.mark.parametrize("arg,code", [
    ("0", 350), ("1", 350), ("4294967296", 350), (str(2 ** 63 - 1), 350),
    ("-1", 501), ("+1", 501), ("abc", 501), ("12abc", 501), ("1.5", 501),
    (str(2 ** 63), 501), (str(2 ** 64), 501), (str(2 ** 64 + 1), 501), ("9" * 40, 501),
    ("0x10", 501),
])
def test_rest_values(server, tree, c, arg, code):
    got, text = c.cmd(f"REST {arg}")
    assert got == code, text
    if code == 350:
        assert arg in text
    assert c.cmd("NOOP")[0] == 200
    assert_serves(server, tree)


def test_rest_then_retr(c, tree):
    assert c.cmd("TYPE I")[0] == 200
    assert c.cmd("REST 7")[0] == 350
    data, code = transfer(c, "RETR text.txt")
    assert code == 226 and data == (tree / "text.txt").read_bytes()[7:]
    # beyond the end: 554
    assert c.cmd("REST 1000")[0] == 350
    assert c.cmd("RETR text.txt")[0] == 554
    # TYPE A: 550
    assert c.cmd("TYPE A")[0] == 200
    assert c.cmd("REST 3")[0] == 350
    assert c.cmd("RETR text.txt")[0] == 550
    assert c.cmd("NOOP")[0] == 200


# ---------------------------------------------------- data-channel verbs

@pytest.mark.parametrize("arg", [
    "", "1,2,3", "127,0,0,1,19", "127,0,0,1,19,136,1", "127,0,0,1,300,1", "256,0,0,1,19,136",
    "a,b,c,d,e,f", "127.0.0.1,19,136", "127,0,0,1,-1,136", "127,0,0,1,19,136 ", "127,,0,1,19,136",
])
def test_port_malformed_501(server, tree, c, arg):
    code, text = c.cmd(f"PORT {arg}" if arg else "PORT")
    assert code == 501, (arg, text)
    assert c.cmd("RETR text.txt")[0] == 425  # no data connection was set up
    assert c.cmd("NOOP")[0] == 200
    assert_serves(server, tree)


@pytest.mark.parametrize("arg,code", [
    ("|1|127.0.0.1|", 501), ("|1|127.0.0.1|5000", 501), ("|1|999.0.0.1|5000|", 501),
    ("|1|127.0.0.1|70000|", 501), ("|1|127.0.0.1|abc|", 501), ("1|127.0.0.1|5000|", 501),
    ("|1||5000|", 501), ("|1|::1|5000|", 501), ("||127.0.0.1|5000|", 501),
    ("|2|::1|5000|", 522), ("|3|127.0.0.1|5000|", 522),
])
def test_eprt_malformed_or_wrong_family(server, tree, c, arg, code):
    got, text = c.cmd(f"EPRT {arg}")
    assert got == code, (arg, text)
    assert c.cmd("RETR text.txt")[0] == 425  # no data connection was set up
    assert c.cmd("NOOP")[0] == 200
    assert_serves(server, tree)


def test_port_and_eprt_to_self_work(c, tree):
    data, code = active_transfer(
        c, lambda p: f"PORT 127,0,0,1,{p >> 8},{p & 255}", "RETR text.txt")
    assert code == 226 and data == (tree / "text.txt").read_bytes().replace(b"\n", b"\r\n")
    assert c.cmd("TYPE I")[0] == 200
    data, code = active_transfer(c, lambda p: f"EPRT |1|127.0.0.1|{p}|", "RETR four_k.bin")
    assert code == 226 and data == (tree / "four_k.bin").read_bytes()


def test_epsv_variants(server, tree, c):
    assert c.cmd("EPSV")[0] == 229
    assert c.cmd("EPSV 1")[0] == 229
    assert c.cmd("EPSV 2")[0] == 522  # IPv4 control connection
    code, text = c.cmd("EPSV 2")
    assert "(1)" in text, text        # RFC 2428: names the supported protocol
    for junk in ("foo", "-1", "1 2"):
        code, text = c.cmd(f"EPSV {junk}")
        assert code == 501, (junk, text)
    assert c.cmd("PASV")[0] == 227
    data, code = transfer(c, "NLST pub", epsv_port(c))
    assert code == 226 and b"pub/readme.txt\r\n" in data
    assert_serves(server, tree)


def test_epsv_all_refuses_other_data_setup(server, tree, c):
    code, text = c.cmd("EPSV ALL")
    assert code == 200, text
    for cmd in ("PASV", "PORT 127,0,0,1,19,136", "EPRT |1|127.0.0.1|5000|"):
        code, text = c.cmd(cmd)
        assert 500 <= code < 600, (cmd, text)
    # and a refused PASV leaves no data connection behind
    code, text = c.cmd("RETR text.txt")
    assert code == 425, text
    # EPSV itself still works
    assert c.cmd("TYPE I")[0] == 200
    data, code = transfer(c, "RETR text.txt")
    assert code == 226 and data == (tree / "text.txt").read_bytes()
    # ABOR, a refused EPSV variant or a transfer do not lift EPSV ALL
    # (proftpd issue 2255: ABOR cleared it)
    assert c.cmd("ABOR")[0] in (225, 226)
    assert c.cmd("EPSV 2")[0] == 522
    for cmd in ("PASV", "PORT 127,0,0,1,19,136", "EPRT |1|127.0.0.1|5000|"):
        code, text = c.cmd(cmd)
        assert 500 <= code < 600, (cmd, text)
    assert c.cmd("RETR text.txt")[0] == 425
    assert_serves(server, tree)


def test_passive_listener_replaced_and_closed_after_use(server, tree, c):
    """A second PASV/EPSV replaces the first listener; a transfer uses the
    listener once: no passive port stays open for someone else."""
    first = pasv_port(c)
    second = epsv_port(c)
    s = socket.socket()
    s.settimeout(5)
    try:
        assert s.connect_ex(("127.0.0.1", first)) != 0, "old passive port still open"
    finally:
        s.close()
    data, code = transfer(c, "NLST pub", second)
    assert code == 226 and data
    s = socket.socket()
    s.settimeout(5)
    try:
        assert s.connect_ex(("127.0.0.1", second)) != 0, "passive port open after use"
    finally:
        s.close()
    assert c.cmd("RETR text.txt")[0] == 425  # and nothing is left set up
    assert_serves(server, tree)


def test_abor_while_waiting_for_data_connection(server, tree, c):
    epsv_port(c)
    c.send(b"RETR text.txt\r\n")
    time.sleep(0.2)
    c.send(b"ABOR\r\n")
    first = c.reply()
    assert first[0] in (425, 426), first
    second = c.reply()
    assert second[0] in (225, 226), second
    assert c.cmd("NOOP")[0] == 200
    assert_serves(server, tree)


def test_retr_without_data_connection_425(c):
    code, text = c.cmd("RETR text.txt")
    assert code == 425, text
    code, text = c.cmd("LIST")
    assert code == 425, text
    assert c.cmd("NOOP")[0] == 200


# ---------------------------------------------- REIN ACCT HOST OPTS ...

def test_rein(c, tree):
    assert c.cmd("CWD pub")[0] == 250
    assert c.cmd("TYPE I")[0] == 200
    code, text = c.cmd("REIN")
    assert code == 220, text
    assert c.cmd("PWD")[0] == 530
    assert c.cmd("RETR text.txt")[0] == 530
    assert c.cmd("SYST")[0] == 215
    login(c)
    assert pwd(c) == "/"              # the login state was flushed
    data, code = transfer(c, "RETR text.txt")   # TYPE back to A
    assert code == 226 and data == (tree / "text.txt").read_bytes().replace(b"\n", b"\r\n")


def test_acct(raw):
    conn = raw()
    code, text = conn.cmd("ACCT something")
    assert code == 530, text          # not before login (issue #2 table)
    login(conn)
    code, text = conn.cmd("ACCT something")
    assert code in (202, 230), text
    assert conn.cmd("ACCT")[0] == 501
    assert conn.cmd("NOOP")[0] == 200


def test_host(raw):
    conn = raw()
    code, text = conn.cmd("HOST ftp.example.org")
    assert code == 220, text
    assert conn.cmd("HOST")[0] == 501
    assert conn.cmd("USER anonymous")[0] == 331
    code, text = conn.cmd("HOST ftp.example.org")
    assert code == 503, text          # RFC 7151: HOST after USER
    assert conn.cmd("PASS x")[0] == 230
    code, text = conn.cmd("HOST ftp.example.org")
    assert code == 503, text
    assert conn.cmd("NOOP")[0] == 200


def test_opts(server, tree, raw):
    conn = raw()
    assert conn.cmd("OPTS UTF8 ON")[0] == 200
    assert conn.cmd("opts utf8 on")[0] == 200
    code, text = conn.cmd("OPTS NOSUCH THING")
    assert code == 501, text
    assert conn.cmd("OPTS")[0] == 501
    login(conn)
    assert conn.cmd("OPTS UTF8 ON")[0] == 200
    assert_serves(server, tree)


def test_abor_allo_noop_stat(c):
    code, text = c.cmd("ABOR")
    assert code == 225, text
    assert c.cmd("ALLO 1000")[0] == 202
    assert c.cmd("ALLO 1000 R 10")[0] == 202
    assert c.cmd("NOOP")[0] == 200
    code, text = c.cmd("STAT")
    assert code == 211 and text.startswith("211-") and "\n211 " in text, text
    # ABOR after PASV with nothing running drops the passive socket
    port = epsv_port(c)
    assert c.cmd("ABOR")[0] == 225
    assert c.cmd("RETR text.txt")[0] == 425
    s = socket.socket()
    s.settimeout(5)
    try:
        assert s.connect_ex(("127.0.0.1", port)) != 0
    finally:
        s.close()


def test_quit_closes(c):
    code, text = c.cmd("QUIT")
    assert code == 221, text
    assert c.closed()


# ------------------------------------------------ errors: 500 501 530 503

def test_unknown_verbs_500_session_continues(c, server, tree):
    for verb in ("XYZZY", "FOO bar", "RETRX text.txt", "SMNTX", "AUTHX TLS", "1234", "ÉCHO"):
        code, text = c.cmd(verb)
        assert code == 500, (verb, text)
    # after login many unknown verbs do not close the session
    for _ in range(15):
        assert c.cmd("NOSUCHVERB")[0] == 500
    assert c.cmd("NOOP")[0] == 200
    assert_serves(server, tree)


@pytest.mark.parametrize("line", [
    "RETR", "CWD", "XCWD", "TYPE", "MODE", "STRU", "REST", "SIZE", "MDTM", "PORT", "EPRT",
    "ALLO", "SITE", "HOST", "ACCT", "USER",
    "PWD x", "XPWD x", "CDUP x", "XCUP x", "PASV x", "SYST x", "NOOP x", "FEAT x",
    "ABOR x", "REIN x",
])
def test_bad_arguments_501(server, tree, c, line):
    code, text = c.cmd(line)
    assert code == 501, (line, text)
    assert c.cmd("NOOP")[0] == 200
    assert_serves(server, tree)


def test_not_logged_in_table(server, tree, raw):
    """Every verb of the command set except the allowed ones: 530."""
    conn = raw()
    code, text = conn.cmd("HELP")
    helped = set(re.findall(r"\b[A-Z]{3,4}\b", " ".join(text.split("\n")[1:-1])))
    verbs = (set(COMMAND_SET) | helped) - PRELOGIN_OK - HTTP_VERBS
    assert len(verbs) >= 37
    for verb in sorted(verbs):
        line = f"{verb} {SAMPLE_ARG[verb]}" if verb in SAMPLE_ARG else verb
        code, text = conn.cmd(line)
        assert code == 530, (line, text)
        if verb in SAMPLE_ARG:
            assert conn.cmd(verb)[0] == 530, verb  # with no argument as well
    # none of that counted as "unknown": the session is still open
    assert conn.cmd("NOOP")[0] == 200
    # the allowed ones
    assert conn.cmd("SYST")[0] == 215
    assert conn.cmd("HELP")[0] == 214
    assert conn.cmd("FEAT")[0] == 211
    assert conn.cmd("OPTS UTF8 ON")[0] == 200
    assert conn.cmd("HOST localhost")[0] == 220
    code, text = conn.cmd("PASS x")
    assert code == 503, text          # PASS before USER
    login(conn)
    assert conn.cmd("PWD")[0] == 257
    assert conn.cmd("QUIT")[0] == 221
    assert conn.closed()
    assert_serves(server, tree)


def test_failed_login_530(make_server, tree):
    srv = make_server(opts={"login_fail_delay": "0"})
    c = RawFTP(srv.host, srv.port)
    try:
        assert c.cmd("USER nosuchuser")[0] == 331  # never tells whether a name exists
        code, text = c.cmd("PASS wrong")
        assert code == 530, text
        assert c.cmd("PWD")[0] == 530
        login(c)
        assert pwd(c) == "/"
    finally:
        c.close()


# ----------------------------------------- line handling: pipelining, IAC

def test_pipelined_commands_answered_in_order(raw, tree):
    conn = raw()
    conn.send(b"USER anonymous\r\nPASS x\r\nSYST\r\nPWD\r\nCWD pub\r\nPWD\r\n"
              b"TYPE I\r\nSIZE readme.txt\r\nNOSUCH\r\nMDTM nothing\r\nCDUP\r\nNOOP\r\n")
    got = [conn.reply() for _ in range(12)]
    assert [g[0] for g in got] == [331, 230, 215, 257, 250, 257, 200, 213, 500, 550, 250, 200], got
    assert got[3][1].startswith('257 "/"')
    assert got[5][1].startswith('257 "/pub"')
    assert got[7][1] == f"213 {(tree / 'pub' / 'readme.txt').stat().st_size}"
    # a transfer inside a pipeline: the commands after it wait for its end
    conn.send(b"EPSV\r\n")
    port = int(re.search(r"\|\|\|(\d+)\|", conn.reply()[1]).group(1))
    d = socket.create_connection(("127.0.0.1", port), timeout=T)
    conn.send(b"NLST\r\nPWD\r\nSIZE text.txt\r\n")
    assert conn.reply()[0] == 150
    assert recv_all(d) == b"".join(n + b"\r\n" for n in sorted(
        os.fsencode(p.name) for p in tree.iterdir() if not p.name.startswith(".")))
    assert conn.reply()[0] == 226
    assert conn.reply()[1].startswith('257 "/"')
    assert conn.reply()[0] == 213


def test_telnet_iac_stripped(server, tree, raw):
    conn = raw()
    IAC, IP, DM, WILL, DO, DONT, WONT = 255, 244, 242, 251, 253, 254, 252
    conn.send(bytes([IAC, IP, IAC, DM]) + b"NOOP\r\n")
    assert conn.reply()[0] == 200
    conn.send(b"SY" + bytes([IAC, WILL, 1]) + b"ST\r\n")
    assert conn.reply() == (215, "215 UNIX Type: L8")
    conn.send(bytes([IAC, DO, 3, IAC, DONT, 1, IAC, WONT, 24]) + b"USER anonymous\r\n")
    assert conn.reply()[0] == 331
    # split across two segments
    conn.send(b"PASS x" + bytes([IAC]))
    time.sleep(0.05)
    conn.send(bytes([WILL, 5]) + b"\r\n")
    assert conn.reply()[0] == 230
    # an escaped 0xFF (IAC IAC) is a data byte, not a command
    conn.send(b"SIZE a" + bytes([IAC, IAC]) + b"b\r\n")
    assert conn.reply()[0] == 550
    assert conn.cmd("PWD")[0] == 257
    assert_serves(server, tree)


def test_bare_lf_line_endings(raw, tree):
    conn = raw()
    conn.send(b"USER anonymous\nPASS x\n")
    assert conn.reply()[0] == 331
    assert conn.reply()[0] == 230
    conn.send(b"SIZE text.txt\n")
    assert conn.reply() == (213, f"213 {(tree / 'text.txt').stat().st_size}")
    conn.send(b"NOOP\nPWD\r\nSYST\n")
    assert [conn.reply()[0] for _ in range(3)] == [200, 257, 215]
    # the reply lines themselves always end in CRLF
    conn.send(b"NOOP\n")
    conn.sock.settimeout(T)
    raw_reply = b""
    while not raw_reply.endswith(b"\n"):
        raw_reply += conn.sock.recv(1024)
    assert raw_reply.endswith(b"\r\n") and raw_reply.startswith(b"200")


def test_long_line_below_limit_is_a_command(server, tree, c):
    """A line of 4000 bytes is still a command (the limit is ~4 KiB)."""
    code, text = c.cmd("SIZE " + "a" * 3995)
    assert code in (550, 553), text
    code, text = c.cmd("CWD " + "/".join(["d" * 200] * 19))
    assert code == 550, text
    assert c.cmd("NOOP")[0] == 200
    assert_serves(server, tree)


def test_overlong_line_refused_session_goes_on(server, tree, raw):
    """Issue #3 item 7 (commit 16917a9): a line over 4 KiB gets 500, is
    discarded up to its LF, and the session goes on; before login such
    lines count towards the limit of 10 bad commands."""
    conn = raw()
    login(conn)
    conn.send(b"SIZE " + b"a" * 4092 + b"\r\n")   # 4097 bytes: just over
    assert conn.reply()[0] == 500
    conn.send(b"SIZE " + b"a" * 4091 + b"\r\n")   # 4096 bytes: a command
    assert conn.reply()[0] in (550, 553)
    conn.send(b"NOOP " + b"x" * 6000 + b"\r\nSYST\r\n")
    assert conn.reply()[0] == 500
    assert conn.reply() == (215, "215 UNIX Type: L8")
    assert conn.cmd("PWD")[0] == 257
    pre = raw()
    for i in range(9):
        pre.send(b"USER " + b"u" * 5000 + b"\r\n")
        assert pre.reply()[0] == 500, i
    pre.send(b"USER " + b"u" * 5000 + b"\r\n")
    codes = [pre.reply()[0]]
    try:
        codes.append(pre.reply()[0])
    except EOFError:
        pass
    assert 421 in codes, codes
    assert pre.closed()
    assert_serves(server, tree)


# ----------------------------------------------- files: SIZE MDTM RETR

def test_size_mdtm_retr_errors(server, tree, c):
    for cmd in ("SIZE pub", "SIZE no-such", "MDTM pub", "MDTM no-such", "SIZE link-dir",
                "MDTM link-abs-out"):
        code, text = c.cmd(cmd)
        assert code == 550, (cmd, text)
    assert c.cmd("SIZE link-inside.txt") == (213, f"213 {(tree / 'text.txt').stat().st_size}")
    for target in ("pub", "no-such", "secret.txt", "link-dir"):
        epsv_port(c)
        code, text = c.cmd(f"RETR {target}")
        assert code == 550, (target, text)
    assert c.cmd("NOOP")[0] == 200
    assert_serves(server, tree)


def test_passive_ports_are_reused_after_time_wait(make_server, tree):
    """Each data connection the server closes first leaves its port in
    TIME_WAIT for a minute: with a 3-port range, the fourth PASV would
    find every port busy unless the listener may rebind (SO_REUSEADDR).
    (A busy mirror hit this within seconds of a session-rate benchmark.)"""
    base = 40000 + os.getpid() % 20000
    srv = make_server(opts={"pasv_ports": f"{base}-{base + 2}"})
    f = srv.ftp()
    try:
        f.voidcmd("TYPE I")
        want = (tree / "four_k.bin").read_bytes()
        for i in range(12):
            chunks = []
            f.retrbinary("RETR four_k.bin", chunks.append)
            assert b"".join(chunks) == want, i
        assert "all passive ports busy" not in srv.log()
    finally:
        f.close()


def test_passive_ports_without_pasv_ports_are_ephemeral(server, raw):
    """Without pasv_ports the passive port comes from the kernel's
    ephemeral range (chosen by the server, not bind(0): see DESIGN.md)."""
    lo, hi = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
    conn = raw()
    assert conn.cmd("USER anonymous")[0] == 331
    assert conn.cmd("PASS x@example.org")[0] == 230
    seen = set()
    for _ in range(20):
        code, text = conn.cmd("EPSV")
        assert code == 229, text
        port = int(re.search(r"\|\|\|(\d+)\|", text).group(1))
        assert lo <= port <= hi, (port, lo, hi)
        seen.add(port)
    assert len(seen) > 1  # random start, not one fixed port
