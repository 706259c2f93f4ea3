# Integration tests: tests/integration/run-pytest runs the pytest suite
# against the built server ($ZCFTPD) through real clients.
TESTS += tests/integration/run-pytest
EXTRA_DIST += tests/integration/run-pytest \
	tests/integration/conftest.py \
	tests/integration/test_smoke.py \
	tests/integration/test_download.py \
	tests/integration/test_listing.py \
	tests/integration/test_protocol.py \
	tests/integration/test_security.py \
	tests/integration/test_process.py \
	tests/integration/test_transfer.py \
	tests/integration/test_users.py \
	tests/integration/test_tls.py \
	tests/integration/test_upload.py
