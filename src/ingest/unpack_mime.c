/*
 * unpack_mime.c - mail through GMime 3: single RFC 5322 messages and mbox files.
 *
 * Each leaf part is decoded (base64, quoted-printable, uuencode) and becomes a child; an
 * attached message (message/rfc822) becomes a child mail of its own.  Before any child is
 * scanned, the mail's thread keys (sender, Message-ID, In-Reply-To, References, subject) and
 * the password candidates in its subject and text are recorded, so an encrypted attachment of
 * this mail, or of another mail of the same sender or thread, can be opened.
 */
#define _GNU_SOURCE
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unpack.h"

static const char *const mime_types[] = {"mail", "mbox", NULL};

/* Reply and forward prefixes in the languages our users' mail comes in. */
static const char *const subject_prefixes[] = {
    "re:", "re：", "fw:", "fwd:", "fw：", "aw:", "wg:", "sv:", "vs:", "tr:", "rv:", "r:",
    "antw:", "返信:", "転送:", "回复:", "答复:", "转发:", "回覆:", "轉寄:", "回复：", "答复：",
};

static void add_subject_key(struct fg_mailkeys *k, const char *subj)
{
    if (!subj)
        return;
    const char *p = subj;
    for (int again = 1; again;) {
        again = 0;
        while (*p == ' ' || *p == '\t')
            p++;
        for (size_t i = 0; i < sizeof subject_prefixes / sizeof subject_prefixes[0]; i++) {
            size_t l = strlen(subject_prefixes[i]);
            if (!strncasecmp(p, subject_prefixes[i], l)) {
                p += l;
                again = 1;
            }
        }
    }
    /* Very short subjects ("hi", "") would tie unrelated mails together. */
    if (strlen(p) >= 6)
        fg_mailkeys_add(k, "subj", p);
}

static void add_reference_keys(struct fg_mailkeys *k, GMimeMessage *msg, const char *header)
{
    const char *v = g_mime_object_get_header(GMIME_OBJECT(msg), header);
    if (!v)
        return;
    GMimeReferences *refs = g_mime_references_parse(NULL, v);
    if (!refs)
        return;
    for (int i = 0; i < g_mime_references_length(refs); i++)
        fg_mailkeys_add(k, "id", g_mime_references_get_message_id(refs, i));
    g_mime_references_free(refs);
}

static void collect_keys(struct fg_mailkeys *k, GMimeMessage *msg)
{
    InternetAddressList *from = g_mime_message_get_from(msg);
    for (int i = 0; from && i < internet_address_list_length(from); i++) {
        InternetAddress *ia = internet_address_list_get_address(from, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(ia))
            fg_mailkeys_add(k, "from",
                            internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
    }
    fg_mailkeys_add(k, "id", g_mime_message_get_message_id(msg));
    add_reference_keys(k, msg, "In-Reply-To");
    add_reference_keys(k, msg, "References");
    add_subject_key(k, g_mime_message_get_subject(msg));
}

/* Crude tag stripping: enough for finding "パスワード：xyz" in an HTML body. */
static void strip_tags(char *s)
{
    char *w = s;
    int in_tag = 0;
    for (char *r = s; *r; r++) {
        if (*r == '<')
            in_tag = 1;
        else if (*r == '>' && in_tag) {
            in_tag = 0;
            *w++ = ' ';
        } else if (!in_tag)
            *w++ = *r;
    }
    *w = 0;
}

struct walk {
    struct fg_ctx *ctx;
    struct fg_obj *obj;
    const struct fg_mailkeys *keys;
    int rc;
    unsigned partno;
};

static void learn_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
    struct walk *w = data;
    (void)parent;
    if (!GMIME_IS_TEXT_PART(part))
        return;
    if (g_mime_part_get_filename(GMIME_PART(part)) &&
        g_mime_object_get_disposition(part) &&
        !strcasecmp(g_mime_object_get_disposition(part), "attachment"))
        return; /* an attached .txt is data, not the message's words */
    char *text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
    if (!text)
        return;
    GMimeContentType *ct = g_mime_object_get_content_type(part);
    if (ct && g_mime_content_type_is_type(ct, "text", "html"))
        strip_tags(text);
    fg_ctx_learn_passwords(w->ctx, w->keys, text, strlen(text));
    g_free(text);
}

/* Decodes a stream-ish GMime object into a capped buffer; 1 if it overflowed. */
static GByteArray *to_bytes(GMimeObject *o, GMimeDataWrapper *content, uint64_t room, int *over)
{
    GMimeStream *mem = g_mime_stream_mem_new();
    if (content)
        g_mime_data_wrapper_write_to_stream(content, mem);
    else
        g_mime_object_write_to_stream(o, NULL, mem);
    GByteArray *arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    *over = arr->len >= room;
    /* Keep the array, drop the stream. */
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
    g_object_unref(mem);
    return arr;
}

static void emit_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
    struct walk *w = data;
    (void)parent;
    if (w->rc == FG_ETIMEOUT || w->rc == FG_ENOMEM)
        return;
    char name[256];
    GByteArray *arr = NULL;
    const char *hint = NULL;
    int over = 0;
    uint64_t room = fg_child_room(w->ctx, w->obj);
    w->partno++;
    if (GMIME_IS_MESSAGE_PART(part)) {
        GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
        if (!m)
            return;
        const char *subj = g_mime_message_get_subject(m);
        snprintf(name, sizeof name, "%s.eml", subj && *subj ? subj : "attached-message");
        arr = to_bytes(GMIME_OBJECT(m), NULL, room, &over);
        hint = "mail";
    } else if (GMIME_IS_PART(part)) {
        const char *fn = g_mime_part_get_filename(GMIME_PART(part));
        GMimeContentType *ct = g_mime_object_get_content_type(part);
        if (fn && *fn)
            snprintf(name, sizeof name, "%s", fn);
        else
            snprintf(name, sizeof name, "part%u.%s", w->partno,
                     ct && g_mime_content_type_get_media_subtype(ct)
                         ? g_mime_content_type_get_media_subtype(ct) : "bin");
        GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(part));
        if (!content)
            return;
        arr = to_bytes(part, content, room, &over);
    } else {
        return; /* multiparts are only structure */
    }
    if (over)
        fg_limit_size_hit(w->ctx, w->obj, name);
    else
        w->rc = fg_emit_child(w->ctx, w->obj, name, arr->data, arr->len, hint,
                              hint ? FG_CHILD_TYPE_HINT : 0);
    g_byte_array_free(arr, TRUE);
}

static int unpack_message(struct fg_ctx *ctx, struct fg_obj *obj, GMimeMessage *msg)
{
    struct fg_mailkeys *k = fg_ctx_mailkeys_new(ctx);
    if (!k)
        return FG_ENOMEM;
    collect_keys(k, msg);
    obj->mail = k;
    const char *subj = g_mime_message_get_subject(msg);
    if (subj)
        fg_ctx_learn_passwords(ctx, k, subj, strlen(subj));
    struct walk w = {.ctx = ctx, .obj = obj, .keys = k};
    g_mime_message_foreach(msg, learn_part, &w);
    g_mime_message_foreach(msg, emit_part, &w);
    return w.rc == FG_ETIMEOUT || w.rc == FG_ENOMEM ? w.rc : FG_OK;
}

static int unpack_mbox(struct fg_ctx *ctx, struct fg_obj *obj, GMimeParser *parser)
{
    int rc = FG_OK;
    unsigned n = 0;
    while (!g_mime_parser_eos(parser)) {
        GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);
        if (!m)
            break;
        char name[64];
        snprintf(name, sizeof name, "message-%u.eml", ++n);
        int over = 0;
        GByteArray *arr = to_bytes(GMIME_OBJECT(m), NULL, fg_child_room(ctx, obj), &over);
        if (over)
            fg_limit_size_hit(ctx, obj, name);
        else
            rc = fg_emit_child(ctx, obj, name, arr->data, arr->len, "mail", FG_CHILD_TYPE_HINT);
        g_byte_array_free(arr, TRUE);
        g_object_unref(m);
        if (rc == FG_ETIMEOUT || rc == FG_ENOMEM)
            break;
    }
    if (n == 0 && rc == FG_OK) {
        fg_ctx_set_error(ctx, "no message found in mbox");
        return FG_EFORMAT;
    }
    return rc;
}

static int unpack(struct fg_ctx *ctx, struct fg_obj *obj)
{
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer((const char *)obj->data, obj->len);
    if (!stream)
        return FG_ENOMEM;
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    g_object_unref(stream);
    int rc;
    if (!strcmp(obj->type, "mbox")) {
        g_mime_parser_set_format(parser, GMIME_FORMAT_MBOX);
        rc = unpack_mbox(ctx, obj, parser);
    } else {
        GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
        if (!msg) {
            fg_ctx_set_error(ctx, "not a parseable mail message");
            rc = FG_EFORMAT;
        } else {
            rc = unpack_message(ctx, obj, msg);
            g_object_unref(msg);
        }
    }
    g_object_unref(parser);
    return rc;
}

const struct fg_unpacker fg_unpack_mime = {
    .name = "mime",
    .types = mime_types,
    .unpack = unpack,
};

/* ---- inline uuencode in plain text (Outlook Express and old Unix mail) ---- */

static const char *const uue_types[] = {"uuencode", NULL};

static int unpack_uue(struct fg_ctx *ctx, struct fg_obj *obj)
{
    const uint8_t *d = obj->data, *end = d + obj->len;
    unsigned found = 0;
    int rc = FG_OK;
    for (const uint8_t *p = d; p + 10 < end && rc == FG_OK;) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        if (!memcmp(p, "begin ", 6) && p[6] >= '0' && p[6] <= '7') {
            const uint8_t *sp = memchr(p + 6, ' ', (size_t)(nl - (p + 6)));
            char name[256] = "uudecoded";
            if (sp) {
                size_t l = (size_t)(nl - sp - 1);
                if (l && sp[l] == '\r')
                    l--;
                if (l >= sizeof name)
                    l = sizeof name - 1;
                memcpy(name, sp + 1, l);
                name[l] = 0;
            }
            size_t inlen = (size_t)(end - (nl + 1));
            uint8_t *out = malloc(inlen + 1);
            if (!out)
                return FG_ENOMEM;
            int state = GMIME_UUDECODE_STATE_BEGIN;
            guint32 save = 0;
            size_t n = g_mime_encoding_uudecode_step(nl + 1, inlen, out, &state, &save);
            found++;
            if (n + 1 > fg_child_room(ctx, obj))
                fg_limit_size_hit(ctx, obj, name);
            else
                rc = fg_emit_child(ctx, obj, name, out, n, NULL, 0);
            free(out);
            /* Continue after this block's "end" line. */
            const uint8_t *e = memmem(nl, (size_t)(end - nl), "\nend", 4);
            p = e ? e + 4 : end;
            continue;
        }
        p = nl + 1;
    }
    (void)found;
    return rc == FG_ETIMEOUT || rc == FG_ENOMEM ? rc : FG_OK;
}

const struct fg_unpacker fg_unpack_uuencode = {
    .name = "uuencode",
    .types = uue_types,
    .unpack = unpack_uue,
};
