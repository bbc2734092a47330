/*
 * lexer.h - internal declarations of the scenario language's front end:
 * the tokenizer (lexer.c), the string-literal decoder it shares with the
 * parser, and the column rule that the lexer and the diagnostics printer
 * (diag.c) must agree on.
 *
 * The lexer follows Python 3.11's tokenizer: INDENT and DEDENT tokens from a
 * stack of indentation widths, NEWLINE at the end of each logical line,
 * implicit line joining inside brackets, backslash continuation, and a final
 * NEWLINE plus the pending DEDENTs at the end of the file. It turns a whole
 * file (or one f-string replacement field) into an array of tokens before
 * the parser starts, so the parser may look ahead as far as it likes.
 *
 * Errors are reported through rt_diags with a 1-based line and column;
 * after an error the lexer emits an LX_ERROR token and goes on, so that the
 * parser can recover at the next statement and later errors are found too
 * (the parser never reports anything of its own at an LX_ERROR token).
 *
 * Columns count characters, not bytes: a column advances at every byte that
 * is not a UTF-8 continuation byte (10xxxxxx). A tab is one character; the
 * diagnostics printer expands tabs when it draws the caret line.
 */
#ifndef LOOPSCOPE_LEXER_H
#define LOOPSCOPE_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"

/* Token kinds: structural tokens, then operators and delimiters (with their
 * spelling), then keywords (spelled as in the source). The order of the
 * operator block is irrelevant; the keyword block must stay contiguous
 * from LX_KW_FALSE to LX_KW_YIELD because lx_keyword() searches it. */
#define LX_TOKENS(X)                                                         \
    X(ENDMARKER, "end of file")                                              \
    X(NAME, "name")                                                          \
    X(NUMBER, "number")                                                      \
    X(STRING, "string")                                                      \
    X(NEWLINE, "newline")                                                    \
    X(INDENT, "indent")                                                      \
    X(DEDENT, "dedent")                                                      \
    X(ERROR, "error")                                                        \
    X(LPAR, "(") X(RPAR, ")") X(LSQB, "[") X(RSQB, "]")                      \
    X(LBRACE, "{") X(RBRACE, "}")                                            \
    X(COLON, ":") X(COMMA, ",") X(SEMI, ";") X(DOT, ".")                     \
    X(ELLIPSIS, "...") X(ARROW, "->") X(COLONEQUAL, ":=")                    \
    X(AT, "@") X(EQUAL, "=") X(EXCLAMATION, "!")                             \
    X(PLUS, "+") X(MINUS, "-") X(STAR, "*") X(SLASH, "/")                    \
    X(DOUBLESLASH, "//") X(PERCENT, "%") X(DOUBLESTAR, "**")                 \
    X(LSHIFT, "<<") X(RSHIFT, ">>") X(VBAR, "|") X(CIRCUMFLEX, "^")          \
    X(AMPER, "&") X(TILDE, "~")                                              \
    X(EQEQUAL, "==") X(NOTEQUAL, "!=") X(LESS, "<") X(LESSEQUAL, "<=")       \
    X(GREATER, ">") X(GREATEREQUAL, ">=")                                    \
    X(PLUSEQUAL, "+=") X(MINEQUAL, "-=") X(STAREQUAL, "*=")                  \
    X(SLASHEQUAL, "/=") X(DOUBLESLASHEQUAL, "//=") X(PERCENTEQUAL, "%=")     \
    X(DOUBLESTAREQUAL, "**=") X(LSHIFTEQUAL, "<<=")                          \
    X(RSHIFTEQUAL, ">>=") X(VBAREQUAL, "|=") X(CIRCUMFLEXEQUAL, "^=")        \
    X(AMPEREQUAL, "&=") X(ATEQUAL, "@=")                                     \
    X(KW_FALSE, "False") X(KW_NONE, "None") X(KW_TRUE, "True")               \
    X(KW_AND, "and") X(KW_AS, "as") X(KW_ASSERT, "assert")                   \
    X(KW_ASYNC, "async") X(KW_AWAIT, "await") X(KW_BREAK, "break")           \
    X(KW_CLASS, "class") X(KW_CONTINUE, "continue") X(KW_DEF, "def")         \
    X(KW_DEL, "del") X(KW_ELIF, "elif") X(KW_ELSE, "else")                   \
    X(KW_EXCEPT, "except") X(KW_FINALLY, "finally") X(KW_FOR, "for")         \
    X(KW_FROM, "from") X(KW_GLOBAL, "global") X(KW_IF, "if")                 \
    X(KW_IMPORT, "import") X(KW_IN, "in") X(KW_IS, "is")                     \
    X(KW_LAMBDA, "lambda") X(KW_NONLOCAL, "nonlocal") X(KW_NOT, "not")       \
    X(KW_OR, "or") X(KW_PASS, "pass") X(KW_RAISE, "raise")                   \
    X(KW_RETURN, "return") X(KW_TRY, "try") X(KW_WHILE, "while")             \
    X(KW_WITH, "with") X(KW_YIELD, "yield")

typedef enum lx_kind {
#define LX_ENUM(name, text) LX_##name,
    LX_TOKENS(LX_ENUM)
#undef LX_ENUM
    LX__COUNT
} lx_kind;

/* Flags of a STRING token, from its prefix. */
enum {
    LX_STR_RAW = 1,   /* r or R: no escape processing */
    LX_STR_BYTES = 2, /* b or B: a bytes literal */
    LX_STR_F = 4      /* f or F: an f-string */
};

/* One token. Positions are 1-based; the end is just past the last
 * character, as in ast_node. The byte span [start, end) indexes the text
 * that was tokenized (the whole file, or the file with its line ends
 * normalised: see lx_tokenize). */
typedef struct lx_token {
    lx_kind kind;
    int line, col;         /* first character */
    int end_line, end_col; /* just past the last character */
    uint32_t start, end;   /* byte span of the token's text */
    /* NUMBER: value. An integer literal beyond INT64_MAX keeps its value in
     * `u` when it fits 64 unsigned bits, with too_large set; the parser
     * accepts exactly 2**63 under a unary minus. */
    bool is_float;
    bool too_large;
    union {
        uint64_t u;
        double f;
    } num;
    /* STRING: LX_STR_* flags, the prefix length in bytes and the quote
     * length (1 or 3). The body is [start + prefix_len + quote_len,
     * end - quote_len). */
    uint8_t str_flags;
    uint8_t prefix_len;
    uint8_t quote_len;
} lx_token;

/* The output of one tokenization. */
typedef struct lx_tokens {
    lx_token *items; /* rt_malloc'd; free with lx_tokens_free */
    int len, cap;
    /* When a bracket was never closed, its token index; else -1. Every
     * token after it belongs to one unfinished logical line, so the parser
     * drops its own errors there (CPython reports only the bracket). */
    int unclosed;
    int errors;        /* errors this tokenization reported */
    bool out_of_memory;
} lx_tokens;

/* Where and how to tokenize. */
typedef struct lx_options {
    size_t start, end; /* the byte range of `text` to tokenize */
    int line, col;     /* the position of text[start] (1-based) */
    /* An f-string replacement field: tokenized as if inside parentheses
     * (no NEWLINE, INDENT or DEDENT; line ends are ignored), ending with
     * ENDMARKER only, and with messages prefixed by "f-string: ". */
    bool fstring_expr;
    int max_errors;    /* stop after this many errors (0: 20) */
} lx_options;

/* Tokenizes text[opt->start, opt->end) into `out` (which it initialises).
 * `text` must have its line ends normalised to "\n" (see lx_normalize),
 * be shorter than 1 GiB (token offsets are 32-bit; ast_parse refuses
 * bigger files) and stay alive as long as the tokens are used. Errors go to `diags`.
 * Returns 0, or RT_ENOMEM (also setting out->out_of_memory and
 * diags->out_of_memory) when memory ran out; the tokens made so far then
 * still end with an ENDMARKER when there was room for it. */
int lx_tokenize(const char *text, const lx_options *opt, rt_diags *diags,
                lx_tokens *out);

/* Frees the token array (not the text). Safe on a zeroed struct. */
void lx_tokens_free(lx_tokens *toks);

/* Copies `src` with "\r\n" and lone "\r" turned into "\n" (as CPython's
 * reader does), so that lines and columns match the original file.
 * Returns an rt_malloc'd, NUL-terminated copy (*out_len bytes), or NULL
 * when out of memory. */
char *lx_normalize(const char *src, size_t len, size_t *out_len);

/* The kind's spelling ("(", "def") or description ("name"). */
const char *lx_kind_text(lx_kind kind);

/* The keyword kind spelled by s[0..len), or LX_NAME when it is none. */
lx_kind lx_keyword(const char *s, size_t len);

/* True for the first byte of a character, i.e. a byte that moves the
 * column: every byte except UTF-8 continuation bytes. */
static inline bool lx_starts_char(unsigned char c) { return (c & 0xC0) != 0x80; }

/* Moves a (line, col) position over text[from, to). */
void lx_advance(const char *text, size_t from, size_t to, int *line,
                int *col);

/* The result of decoding one literal's body. */
typedef enum lx_decode_status {
    LX_DECODE_OK = 0,
    LX_DECODE_ERROR = 1, /* a bad escape or character: see `error` */
    LX_DECODE_NOMEM = 2
} lx_decode_status;

/* A growable byte buffer (rt_realloc'd). */
typedef struct lx_buf {
    char *data;
    size_t len, cap;
} lx_buf;

/* Appends n bytes; false when out of memory. */
bool lx_buf_put(lx_buf *b, const void *s, size_t n);
void lx_buf_free(lx_buf *b);

/* Decodes the body of a string or bytes literal, text[start, end), as
 * Python does for the given LX_STR_* flags (LX_STR_F is ignored: callers
 * hand over the literal parts of an f-string one by one) and appends the
 * result to `out` (UTF-8 for str, raw bytes for bytes). On LX_DECODE_ERROR,
 * *err_off is the byte offset of the offending escape or character and
 * *error a static message. */
lx_decode_status lx_decode(const char *text, size_t start, size_t end,
                           int flags, lx_buf *out, size_t *err_off,
                           const char **error);

/* Writes the tree like ast_dump, but with every node's line:col-end_line:
 * end_col after its kind, for positional tests. rt_free the result. */
char *ast__dump_positions(const ast_node *node);

#endif /* LOOPSCOPE_LEXER_H */
