# Benchmarks: not built and not run by make check; shipped in the tarball.
# bench/ftps-retr measures FTPS RETR (tls-copy, ktls-sendfile) against
# plain sendfile; see bench/README.md.
EXTRA_DIST += bench/README.md bench/ftps-retr bench/stor-engines
