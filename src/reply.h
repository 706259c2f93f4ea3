/*
 * reply.h: FTP reply formatting (RFC 959 section 4.2) and the one place
 * where errno values become reply codes. Pure functions; the session
 * module sends what these format.
 */
#ifndef ZC_REPLY_H
#define ZC_REPLY_H

#include <stddef.h>

#include "defs.h"

/* Reply codes by number and meaning (greppable both ways). */
enum {
	ZC_REPLY_150_OPENING = 150,
	ZC_REPLY_200_OK = 200,
	ZC_REPLY_202_SUPERFLUOUS = 202,
	ZC_REPLY_211_STATUS = 211,
	ZC_REPLY_213_FILE_STATUS = 213,
	ZC_REPLY_214_HELP = 214,
	ZC_REPLY_215_SYSTEM = 215,
	ZC_REPLY_220_READY = 220,
	ZC_REPLY_221_BYE = 221,
	ZC_REPLY_225_NO_TRANSFER = 225,
	ZC_REPLY_226_CLOSING_DATA = 226,
	ZC_REPLY_227_PASV = 227,
	ZC_REPLY_229_EPSV = 229,
	ZC_REPLY_230_LOGGED_IN = 230,
	ZC_REPLY_250_OK = 250,
	ZC_REPLY_257_PATH = 257,
	ZC_REPLY_331_NEED_PASS = 331,
	ZC_REPLY_350_PENDING = 350,
	ZC_REPLY_421_CLOSING = 421,
	ZC_REPLY_425_NO_DATA_CONN = 425,
	ZC_REPLY_426_XFER_ABORTED = 426,
	ZC_REPLY_450_FILE_BUSY = 450,
	ZC_REPLY_451_LOCAL_ERROR = 451,
	ZC_REPLY_452_NO_SPACE = 452,
	ZC_REPLY_500_SYNTAX = 500,
	ZC_REPLY_501_BAD_ARG = 501,
	ZC_REPLY_502_NOT_IMPL = 502,
	ZC_REPLY_503_BAD_SEQUENCE = 503,
	ZC_REPLY_504_BAD_PARAM = 504,
	ZC_REPLY_522_BAD_PROTO = 522,
	ZC_REPLY_530_NOT_LOGGED_IN = 530,
	ZC_REPLY_532_NEED_ACCOUNT = 532,
	ZC_REPLY_550_NO_FILE = 550,
	ZC_REPLY_551_PAGE_TYPE = 551,
	ZC_REPLY_552_QUOTA = 552,
	ZC_REPLY_553_BAD_NAME = 553,
	ZC_REPLY_554_BAD_REST = 554,
};

/* Format reply `code` with `text` into out (CRLF line ends). A text with
 * '\n' becomes a multi-line reply: "code-first", the middle lines as
 * given, "code last". Control characters in the text are replaced by '?'
 * (no CR/LF injection from file names). Returns the length, or 0 if it
 * does not fit in `cap` (the caller then sends a shorter reply). */
size_t zc_reply_format(char *out, size_t cap, unsigned code, const char *text);

struct zc_reply_err {
	unsigned code;
	const char *text;
};
/* errno -> reply for a failed file operation (the only such mapping). */
struct zc_reply_err zc_reply_errno(int err);

#endif
