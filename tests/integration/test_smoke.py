"""Smoke test: the server starts on a free port and serves a file."""
import ftplib
import os
import re
import signal
import subprocess
import time


def test_serves_a_file(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.txt").write_bytes(b"hello\n")
    proc = subprocess.Popen(
        [os.environ["ZCFTPD"], "-o", "listen=127.0.0.1:0", "-o", f"anon_root={root}",
         "-o", "prefork_spare_min=1", "-o", "prefork_spare_max=2"],
        stderr=subprocess.PIPE, text=True)
    try:
        port = None
        deadline = time.monotonic() + 10
        while port is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if m:
                port = int(m.group(1))
        assert port, "server did not report its port"
        ftp = ftplib.FTP()
        ftp.connect("127.0.0.1", port, timeout=10)
        ftp.login()
        chunks = []
        ftp.retrbinary("RETR a.txt", chunks.append)
        assert b"".join(chunks) == b"hello\n"
        ftp.quit()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
