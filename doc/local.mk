# Man pages, the design and security documents, the sample configuration,
# and the test that keeps them in step with the code.
dist_man_MANS = doc/zcftpd.8 doc/zcftpd.conf.5 doc/zcftpd.users.5
zcftpdconfdir = $(sysconfdir)/zcftpd
dist_zcftpdconf_DATA = etc/zcftpd.conf

# tests/docs/check-docs: every key of `zcftpd -t` documented in
# zcftpd.conf(5) and etc/zcftpd.conf with its default, and the man pages
# free of groff warnings.
TESTS += tests/docs/check-docs
EXTRA_DIST += tests/docs/check-docs doc/SECURITY.md
