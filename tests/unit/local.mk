# Unit tests (check). Add a module: tests/unit/test_<module>.c, then a
# line in UNIT_TESTS below and a _SOURCES/_CFLAGS/_LDADD trio.
UNIT_TESTS = \
	tests/unit/test_str \
	tests/unit/test_utc \
	tests/unit/test_cfg \
	tests/unit/test_cmdline \
	tests/unit/test_fs_path \
	tests/unit/test_reply \
	tests/unit/test_ctrl_io \
	tests/unit/test_cmd_parse \
	tests/unit/test_cmd_table \
	tests/unit/test_fs_list \
	tests/unit/test_xferlog \
	tests/unit/test_xfer \
	tests/unit/test_data_conn \
	tests/unit/test_scoreboard \
	tests/unit/test_xfer_engines \
	tests/unit/test_glob \
	tests/unit/test_tls \
	tests/unit/test_users \
	tests/unit/test_broker \
	tests/unit/test_upload \
	tests/unit/test_xfer_recv \
	tests/unit/test_port20 \
	tests/unit/test_netfeat \
	tests/unit/test_fds \
	tests/unit/test_iobuf \
	tests/unit/test_popular \
	tests/unit/test_sysfile \
	tests/unit/test_statpool

check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

tests_unit_test_fds_SOURCES = tests/unit/test_fds.c
tests_unit_test_fds_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fds_LDADD = $(UNIT_LIBS)
tests_unit_test_iobuf_SOURCES = tests/unit/test_iobuf.c
tests_unit_test_iobuf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_iobuf_LDADD = $(UNIT_LIBS)
tests_unit_test_popular_SOURCES = tests/unit/test_popular.c
tests_unit_test_popular_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_popular_LDADD = $(UNIT_LIBS)
tests_unit_test_sysfile_SOURCES = tests/unit/test_sysfile.c
tests_unit_test_sysfile_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sysfile_LDADD = $(UNIT_LIBS)
tests_unit_test_statpool_SOURCES = tests/unit/test_statpool.c \
	tests/unit/tmptree.c tests/unit/tmptree.h
tests_unit_test_statpool_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_statpool_LDADD = $(UNIT_LIBS)
tests_unit_test_str_SOURCES = tests/unit/test_str.c
tests_unit_test_str_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_str_LDADD = $(UNIT_LIBS)
tests_unit_test_utc_SOURCES = tests/unit/test_utc.c
tests_unit_test_utc_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_utc_LDADD = $(UNIT_LIBS)

tests_unit_test_cfg_SOURCES = tests/unit/test_cfg.c \
	tests/unit/tmptree.c tests/unit/tmptree.h
tests_unit_test_cfg_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cfg_LDADD = $(UNIT_LIBS)

tests_unit_test_cmdline_SOURCES = tests/unit/test_cmdline.c
tests_unit_test_cmdline_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cmdline_LDADD = $(UNIT_LIBS)

tests_unit_test_fs_path_SOURCES = tests/unit/test_fs_path.c \
	tests/unit/tmptree.c tests/unit/tmptree.h
tests_unit_test_fs_path_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fs_path_LDADD = $(UNIT_LIBS)

tests_unit_test_reply_SOURCES = tests/unit/test_reply.c
tests_unit_test_reply_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_reply_LDADD = $(UNIT_LIBS)

tests_unit_test_ctrl_io_SOURCES = tests/unit/test_ctrl_io.c
tests_unit_test_ctrl_io_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ctrl_io_LDADD = $(UNIT_LIBS)

tests_unit_test_cmd_parse_SOURCES = tests/unit/test_cmd_parse.c
tests_unit_test_cmd_parse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cmd_parse_LDADD = $(UNIT_LIBS)

tests_unit_test_cmd_table_SOURCES = tests/unit/test_cmd_table.c
tests_unit_test_cmd_table_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cmd_table_LDADD = $(UNIT_LIBS)

tests_unit_test_fs_list_SOURCES = tests/unit/test_fs_list.c \
	tests/unit/tmptree.c tests/unit/tmptree.h
tests_unit_test_fs_list_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fs_list_LDADD = $(UNIT_LIBS)

tests_unit_test_xferlog_SOURCES = tests/unit/test_xferlog.c
tests_unit_test_xferlog_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_xferlog_LDADD = $(UNIT_LIBS)

tests_unit_test_xfer_SOURCES = tests/unit/test_xfer.c
tests_unit_test_xfer_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_xfer_LDADD = $(UNIT_LIBS)

tests_unit_test_data_conn_SOURCES = tests/unit/test_data_conn.c \
	tests/unit/xfer_rig.c tests/unit/xfer_rig.h
tests_unit_test_data_conn_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_data_conn_LDADD = $(UNIT_LIBS)

tests_unit_test_scoreboard_SOURCES = tests/unit/test_scoreboard.c
tests_unit_test_scoreboard_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_scoreboard_LDADD = $(UNIT_LIBS)

tests_unit_test_xfer_engines_SOURCES = tests/unit/test_xfer_engines.c \
	tests/unit/xfer_rig.c tests/unit/xfer_rig.h
tests_unit_test_xfer_engines_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_xfer_engines_LDADD = $(UNIT_LIBS)

tests_unit_test_glob_SOURCES = tests/unit/test_glob.c
tests_unit_test_glob_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_glob_LDADD = $(UNIT_LIBS)

tests_unit_test_tls_SOURCES = tests/unit/test_tls.c
tests_unit_test_tls_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tls_LDADD = $(UNIT_LIBS)

tests_unit_test_users_SOURCES = tests/unit/test_users.c
tests_unit_test_users_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_users_LDADD = $(UNIT_LIBS)

tests_unit_test_broker_SOURCES = tests/unit/test_broker.c
tests_unit_test_broker_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_broker_LDADD = $(UNIT_LIBS)

tests_unit_test_upload_SOURCES = tests/unit/test_upload.c \
	tests/unit/tmptree.c tests/unit/tmptree.h
tests_unit_test_upload_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_upload_LDADD = $(UNIT_LIBS)

tests_unit_test_xfer_recv_SOURCES = tests/unit/test_xfer_recv.c \
	tests/unit/xfer_rig.c tests/unit/xfer_rig.h
tests_unit_test_xfer_recv_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_xfer_recv_LDADD = $(UNIT_LIBS)

tests_unit_test_port20_SOURCES = tests/unit/test_port20.c
tests_unit_test_port20_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_port20_LDADD = $(UNIT_LIBS)

tests_unit_test_netfeat_SOURCES = tests/unit/test_netfeat.c
tests_unit_test_netfeat_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_netfeat_LDADD = $(UNIT_LIBS)
