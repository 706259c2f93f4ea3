# Man pages, the design document and the sample configuration.
dist_man_MANS = doc/zcftpd.8 doc/zcftpd.conf.5
zcftpdconfdir = $(sysconfdir)/zcftpd
dist_zcftpdconf_DATA = etc/zcftpd.conf
