# Benchmarks: not built and not run by make check; shipped in the tarball.
# bench/ftps-retr measures FTPS RETR (tls-copy, ktls-sendfile) against
# plain sendfile; see bench/README.md.
EXTRA_DIST += bench/README.md bench/ftps-retr bench/stor-engines bench/loadgen.c bench/listload.c bench/zerocopy.c bench/engines bench/cache-protect
# bench/run: the comparison with vsftpd, pure-ftpd and proftpd (W0-W6).
EXTRA_DIST += bench/run

# `make bench`: the whole comparison (sets itself up: apt-get, the anchors
# unpacked under bench/_work); see bench/README.md for the options.
bench: all
	$(srcdir)/bench/run --zcftpd $(abs_top_builddir)/src/zcftpd $(BENCH_ARGS)
.PHONY: bench
