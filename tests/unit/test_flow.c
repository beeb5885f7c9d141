/*
 * test_flow.c - the parts of execution-flow whitelisting that need no sandbox: flow graphs
 * (nodes, kinds, edges, docs counts when runs merge), profile files (save, load, everything a
 * loader must refuse), profile merging, the handler registry and its file, and the argument
 * classes of the tracer (paths, open flags, socket addresses, memory protections, exec),
 * classified from this process's own memory.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "testutil.h"
#include "core/limits.h"
#include "flow/flow_graph.h"
#include "flow/profile.h"
#include "sandbox/trc_args.h"

/* ---- flow graphs ---- */

/* FNV-1a 64 of the three strings, each followed by 0x1f: the node id docs/formats/profile.md
 * documents, computed here independently of flow_hash(). */
static uint64_t fnv_doc(const char *a, const char *b, const char *c)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    const char *s[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        for (const unsigned char *p = (const unsigned char *)s[i]; *p; p++)
            h = (h ^ *p) * 0x100000001b3ULL;
        h = (h ^ 0x1f) * 0x100000001b3ULL;
    }
    return h;
}

static void test_hash(void **state)
{
    (void)state;
    assert_true(flow_hash("openat", "font:r", "libc.so.6@00+0x1") ==
                fnv_doc("openat", "font:r", "libc.so.6@00+0x1"));
    /* The separators keep ("ab","c") apart from ("a","bc"). */
    assert_true(flow_hash("ab", "c", "") != flow_hash("a", "bc", ""));
    assert_true(flow_hash("a", "b", NULL) == flow_hash("a", "b", ""));
    assert_true(flow_hash("a", "b", "c") != 0);
}

static void test_graph_nodes_edges(void **state)
{
    (void)state;
    struct flow_graph g;
    flow_graph_init(&g);
    long a = flow_graph_add_node(&g, "openat", "font:r", "libc@1+0x10;fgview@2+0x20",
                                 TRC_K_FILE_READ, "/usr/share/fonts/a.ttf", 0, 0);
    long a2 = flow_graph_add_node(&g, "openat", "font:r", "libc@1+0x10;fgview@2+0x20",
                                  TRC_K_FILE_READ, "/usr/share/fonts/b.ttf", 0, 0);
    long b = flow_graph_add_node(&g, "openat", "font:r", "libc@1+0x10;fgview@2+0x99",
                                 TRC_K_FILE_READ, NULL, 0, 0);
    long c = flow_graph_add_node(&g, "execve", "bin:sh", "", TRC_K_EXEC, "/bin/sh: sh", 0,
                                 TRC_V_SYSCALL_ORIGIN);
    assert_true(a >= 0 && b >= 0 && c >= 0);
    assert_int_equal(a2, a); /* the same call, class and context is one node */
    assert_int_equal(g.nnode, 3);
    const struct flow_node *na = &g.node[a];
    assert_int_equal(na->count, 2);
    assert_int_equal(na->docs, 1);
    assert_string_equal(na->detail, "/usr/share/fonts/a.ttf"); /* the first example */
    assert_null(g.node[b].detail);
    assert_int_equal(g.node[c].violations, TRC_V_SYSCALL_ORIGIN);
    assert_true(flow_graph_node(&g, na->id) == na);
    /* Same kind (call and class) from another call site: another node, a known kind. */
    assert_true(g.node[b].id != na->id);
    assert_true(g.node[b].kind_id == na->kind_id);
    assert_true(flow_graph_has_kind(&g, flow_hash("openat", "font:r", NULL)));
    assert_true(flow_graph_has_kind(&g, flow_hash("execve", "bin:sh", NULL)));
    assert_false(flow_graph_has_kind(&g, flow_hash("openat", "work:wc", NULL)));
    assert_null(flow_graph_node(&g, flow_hash("openat", "font:r", "other")));
    /* Edges are directed and counted once. */
    assert_int_equal(flow_graph_add_edge(&g, na->id, g.node[c].id), 0);
    assert_int_equal(flow_graph_add_edge(&g, na->id, g.node[c].id), 0);
    assert_int_equal(g.nedge, 1);
    assert_true(flow_graph_has_edge(&g, na->id, g.node[c].id));
    assert_false(flow_graph_has_edge(&g, g.node[c].id, na->id));
    /* Many nodes: the maps grow and still find every one. */
    for (int i = 0; i < 2000; i++) {
        char ctx[32];
        snprintf(ctx, sizeof ctx, "m@x+0x%x", i);
        assert_true(flow_graph_add_node(&g, "mmap", "prot=r anon private", ctx, TRC_K_MEM,
                                         NULL, 0, 0) >= 0);
    }
    assert_int_equal(g.nnode, 2003);
    assert_non_null(flow_graph_node(&g, flow_hash("mmap", "prot=r anon private", "m@x+0x7cf")));
    flow_graph_free(&g);
    assert_int_equal(g.nnode, 0);
    flow_graph_free(&g); /* twice is fine */
}

/* Merging runs into a profile graph: docs counts the runs a node or edge was seen in,
 * count every time it was made. */
static void test_graph_merge_docs(void **state)
{
    (void)state;
    struct flow_graph r1, r2, p;
    flow_graph_init(&r1);
    flow_graph_init(&r2);
    flow_graph_init(&p);
    long a = flow_graph_add_node(&r1, "openat", "input:r", "c1", TRC_K_FILE_READ, "x", 0, 0);
    flow_graph_add_node(&r1, "openat", "input:r", "c1", TRC_K_FILE_READ, "x", 0, 0);
    long b = flow_graph_add_node(&r1, "openat", "work:wc", "c2", TRC_K_FILE_WRITE, "y", 0, 0);
    flow_graph_add_edge(&r1, r1.node[a].id, r1.node[b].id);
    long a2 = flow_graph_add_node(&r2, "openat", "input:r", "c1", TRC_K_FILE_READ, "x", 0, 0);
    long c = flow_graph_add_node(&r2, "connect", "inet:public:https", "c3", TRC_K_NET, "z",
                                 FLOW_F_NET_OUTSIDE, 0);
    flow_graph_add_edge(&r2, r2.node[a2].id, r2.node[c].id);
    flow_graph_add_edge(&r2, r2.node[a2].id, r2.node[a2].id);

    assert_int_equal(flow_graph_merge(&p, &r1), 0);
    p.serial++;
    assert_int_equal(flow_graph_merge(&p, &r2), 0);
    p.serial++;
    assert_int_equal(p.serial, 2);
    assert_int_equal(p.nnode, 3);
    assert_int_equal(p.nedge, 3);
    const struct flow_node *pa = flow_graph_node(&p, r1.node[a].id);
    const struct flow_node *pb = flow_graph_node(&p, r1.node[b].id);
    const struct flow_node *pc = flow_graph_node(&p, r2.node[c].id);
    assert_non_null(pa);
    assert_non_null(pb);
    assert_non_null(pc);
    assert_int_equal(pa->docs, 2);
    assert_int_equal(pa->count, 3);
    assert_int_equal(pb->docs, 1);
    assert_int_equal(pc->docs, 1);
    assert_int_equal(pc->flags, FLOW_F_NET_OUTSIDE);
    assert_null(pa->detail); /* profiles keep no document's specifics */
    assert_true(flow_graph_has_edge(&p, pa->id, pb->id));
    assert_true(flow_graph_has_edge(&p, pa->id, pc->id));
    assert_true(flow_graph_has_edge(&p, pa->id, pa->id));
    /* The same run merged again: every docs count it touches goes up by one. */
    assert_int_equal(flow_graph_merge(&p, &r1), 0);
    assert_int_equal(pa->docs, 3);
    assert_int_equal(pb->docs, 2);
    assert_int_equal(pc->docs, 1);
    for (size_t i = 0; i < p.nedge; i++)
        if (p.edge[i].from == pa->id && p.edge[i].to == pb->id)
            assert_int_equal(p.edge[i].docs, 2);
    flow_graph_free(&r1);
    flow_graph_free(&r2);
    flow_graph_free(&p);
}

/* ---- profiles ---- */

/* A profile with a few nodes of every flag and awkward characters in the context. */
static fg_profile *sample_profile(const char *handler)
{
    fg_profile *p = NULL;
    assert_int_equal(fg_profile_new(handler, &p), 0);
    static const struct {
        const char *call, *cls, *ctx;
        enum trc_kind kind;
        unsigned flags;
    } n[] = {
        {"openat", "input:r", "libc.so.6@93ac61ec5a8eb139+0xf8011;fgview@8f+0x401a", TRC_K_FILE_READ, 0},
        {"openat", "work:wc", "libc.so.6@93ac61ec5a8eb139+0xf8011;fgview@8f+0x402b", TRC_K_FILE_WRITE, 0},
        {"openat", "tmp:wc", "a \"quoted\" \\ context;?", TRC_K_FILE_WRITE, FLOW_F_OUTSIDE_WORK},
        {"connect", "inet:public:https", "", TRC_K_NET, FLOW_F_NET_OUTSIDE},
        {"mmap", "prot=rwx anon private", "\xc3\xa9t\xc3\xa9", TRC_K_MEM, FLOW_F_EXEC_PROT},
        {"uname", "-", "x", TRC_K_PROBE, 0},
    };
    long ix[6];
    for (int i = 0; i < 6; i++) {
        ix[i] = flow_graph_add_node(&p->g, n[i].call, n[i].cls, n[i].ctx, n[i].kind, "detail",
                                    n[i].flags, 0);
        assert_true(ix[i] >= 0);
        p->g.node[ix[i]].docs = (uint32_t)(i + 1);
        p->g.node[ix[i]].count = (uint32_t)(10 * i + 1);
    }
    for (int i = 0; i < 5; i++) {
        assert_int_equal(flow_graph_add_edge(&p->g, p->g.node[ix[i]].id, p->g.node[ix[i + 1]].id), 0);
        p->g.edge[p->g.nedge - 1].docs = (uint32_t)(i + 2);
    }
    p->g.serial = 7;
    p->violations = 1;
    return p;
}

static void assert_same_profile(const fg_profile *a, const fg_profile *b)
{
    assert_string_equal(fg_profile_handler(a), fg_profile_handler(b));
    assert_int_equal(a->g.serial, b->g.serial);
    assert_int_equal(a->violations, b->violations);
    assert_int_equal(a->g.nnode, b->g.nnode);
    assert_int_equal(a->g.nedge, b->g.nedge);
    for (size_t i = 0; i < a->g.nnode; i++) {
        const struct flow_node *x = &a->g.node[i], *y = flow_graph_node(&b->g, x->id);
        assert_non_null(y);
        assert_string_equal(x->call, y->call);
        assert_string_equal(x->cls, y->cls);
        assert_string_equal(x->ctx, y->ctx);
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->docs, y->docs);
        assert_int_equal(x->count, y->count);
        assert_int_equal(x->flags, y->flags);
        assert_true(x->kind_id == y->kind_id);
    }
    for (size_t i = 0; i < a->g.nedge; i++) {
        const struct flow_edge *e = &a->g.edge[i];
        bool found = false;
        for (size_t k = 0; k < b->g.nedge; k++)
            if (b->g.edge[k].from == e->from && b->g.edge[k].to == e->to) {
                assert_int_equal(b->g.edge[k].docs, e->docs);
                found = true;
            }
        assert_true(found);
    }
}

static void test_profile_roundtrip(void **state)
{
    (void)state;
    fg_profile *p = sample_profile("fgview");
    char err[512] = "";
    struct tu_quiet q;
    tu_quiet_begin(&q);
    int rc = fg_profile_save(p, "p.json", err, sizeof err);
    tu_quiet_end(&q);
    assert_int_equal(rc, 0);
    assert_int_equal(access("p.json.tmp", F_OK), -1); /* written aside, then renamed */
    fg_profile *l = NULL;
    assert_int_equal(fg_profile_load("p.json", &l, err, sizeof err), 0);
    assert_same_profile(p, l);
    /* What was loaded saves to the same bytes. */
    assert_int_equal(fg_profile_save(l, "q.json", err, sizeof err), 0);
    size_t n1, n2;
    uint8_t *b1 = tu_read("p.json", &n1), *b2 = tu_read("q.json", &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    free(b1);
    free(b2);
    /* The stored ids are the documented hash of call, class and context. */
    json_error_t je;
    json_t *o = json_load_file("p.json", 0, &je);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "format")), "flowgate-profile");
    assert_int_equal(json_integer_value(json_object_get(o, "version")), 1);
    json_t *nodes = json_object_get(o, "nodes");
    assert_int_equal(json_array_size(nodes), 6);
    for (size_t i = 0; i < json_array_size(nodes); i++) {
        json_t *n = json_array_get(nodes, i);
        char want[17];
        snprintf(want, sizeof want, "%016" PRIx64,
                 fnv_doc(json_string_value(json_object_get(n, "call")),
                         json_string_value(json_object_get(n, "class")),
                         json_string_value(json_object_get(n, "context"))));
        assert_string_equal(json_string_value(json_object_get(n, "id")), want);
    }
    json_decref(o);
    /* info: size and coverage as JSON. */
    char *info = fg_profile_info_json(l);
    assert_non_null(info);
    o = json_loads(info, 0, &je);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "handler")), "fgview");
    assert_int_equal(json_integer_value(json_object_get(o, "documents")), 7);
    assert_int_equal(json_integer_value(json_object_get(o, "nodes")), 6);
    assert_int_equal(json_integer_value(json_object_get(o, "edges")), 5);
    assert_int_equal(json_integer_value(json_object_get(o, "call_kinds")), 6);
    assert_int_equal(json_integer_value(json_object_get(o, "nodes_seen_once")), 1);
    assert_int_equal(json_integer_value(json_object_get(o, "runs_with_violations")), 1);
    json_t *pk = json_object_get(o, "nodes_per_kind");
    assert_int_equal(json_integer_value(json_object_get(pk, "file-write")), 2);
    assert_int_equal(json_integer_value(json_object_get(pk, "exec")), 0);
    json_decref(o);
    free(info);
    fg_profile_free(p);
    fg_profile_free(l);
    fg_profile_free(NULL);
}

/* Writes a profile whose one node (openat font:r ctx) has the given id and whose edges are
 * 'edges'; other fields as given. */
static void write_profile(const char *name, const char *format, int version, const char *id,
                          const char *edges)
{
    char good[17], text[2048];
    snprintf(good, sizeof good, "%016" PRIx64, flow_hash("openat", "font:r", "ctx"));
    snprintf(text, sizeof text,
             "{\"format\":\"%s\",\"version\":%d,\"handler\":\"pdf\",\"documents\":3,"
             "\"nodes\":[{\"id\":\"%s\",\"call\":\"openat\",\"class\":\"font:r\","
             "\"kind\":\"file-read\",\"context\":\"ctx\",\"docs\":3,\"count\":9,\"flags\":0}],"
             "\"edges\":%s}",
             format, version, id ? id : good, edges);
    tu_write(name, text);
}

static int load_err(const char *name, char *err, size_t len)
{
    fg_profile *p = NULL;
    err[0] = 0;
    int rc = fg_profile_load(name, &p, err, len);
    if (!rc)
        fg_profile_free(p);
    else
        assert_null(p);
    return rc;
}

static void test_profile_load_rejects(void **state)
{
    (void)state;
    char err[512], good[17], loop[128];
    snprintf(good, sizeof good, "%016" PRIx64, flow_hash("openat", "font:r", "ctx"));
    snprintf(loop, sizeof loop, "[[\"%s\",\"%s\",2]]", good, good);
    write_profile("ok.json", "flowgate-profile", 1, NULL, loop);
    assert_int_equal(load_err("ok.json", err, sizeof err), 0);

    write_profile("format.json", "flowgate-something", 1, NULL, "[]");
    assert_int_equal(load_err("format.json", err, sizeof err), FG_EFORMAT);
    assert_non_null(strstr(err, "not a valid profile"));

    write_profile("version.json", "flowgate-profile", 2, NULL, "[]");
    assert_int_equal(load_err("version.json", err, sizeof err), FG_EFORMAT);
    assert_non_null(strstr(err, "version 2"));

    write_profile("id.json", "flowgate-profile", 1, "0123456789abcdef", "[]");
    assert_int_equal(load_err("id.json", err, sizeof err), FG_EFORMAT);
    assert_non_null(strstr(err, "node id does not match its content"));

    char edges[128];
    snprintf(edges, sizeof edges, "[[\"%s\",\"00000000000000aa\",1]]", good);
    write_profile("edge.json", "flowgate-profile", 1, NULL, edges);
    assert_int_equal(load_err("edge.json", err, sizeof err), FG_EFORMAT);
    assert_non_null(strstr(err, "edge names an unknown node"));

    snprintf(edges, sizeof edges, "[[\"%s\",\"%s\"]]", good, good);
    write_profile("edge2.json", "flowgate-profile", 1, NULL, edges);
    assert_int_equal(load_err("edge2.json", err, sizeof err), FG_EFORMAT);

    tu_write("text.json", "flowgate profile, honest\n");
    assert_int_equal(load_err("text.json", err, sizeof err), FG_EFORMAT);
    assert_non_null(strstr(err, "not JSON"));
    tu_write("trunc.json", "{\"format\":\"flowgate-profile\",\"version\":1,\"nodes\":[");
    assert_int_equal(load_err("trunc.json", err, sizeof err), FG_EFORMAT);
    tu_write("array.json", "[1,2,3]");
    assert_int_equal(load_err("array.json", err, sizeof err), FG_EFORMAT);
    tu_write("dup.json", "{\"format\":\"flowgate-profile\",\"format\":\"x\"}");
    assert_int_equal(load_err("dup.json", err, sizeof err), FG_EFORMAT);
    tu_write("kind.json", "{\"format\":\"flowgate-profile\",\"version\":1,\"handler\":\"pdf\","
                          "\"documents\":1,\"nodes\":[{\"id\":\"0\",\"call\":\"a\","
                          "\"class\":\"b\",\"kind\":\"teleport\",\"context\":\"\",\"docs\":1,"
                          "\"count\":1,\"flags\":0}],\"edges\":[]}");
    assert_int_equal(load_err("kind.json", err, sizeof err), FG_EFORMAT);
    assert_non_null(strstr(err, "bad kind or count"));

    assert_int_equal(load_err("no-such.json", err, sizeof err), FG_EIO);
    assert_non_null(strstr(err, "no-such.json"));
    /* A directory is no profile, and the message says so whatever errno held before. */
    assert_int_equal(mkdir("dir.json", 0755), 0);
    errno = ENOENT;
    assert_int_equal(load_err("dir.json", err, sizeof err), FG_EIO);
    assert_non_null(strstr(err, "not a"));
    assert_null(strstr(err, "No such file"));
}

/* The caps are checked before anything is built: a file over the byte cap is not read
 * (a sparse file: nothing is written), a node list over the node cap is refused as a
 * list, whatever its entries hold. */
static void test_profile_load_caps(void **state)
{
    (void)state;
    char err[512];
    int fd = open("huge.json", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)FG_CAP_PROFILE_FILE + 1), 0);
    close(fd);
    assert_int_equal(load_err("huge.json", err, sizeof err), FG_ELIMIT);
    assert_non_null(strstr(err, "larger than a profile can be"));

    FILE *f = fopen("many.json", "w");
    assert_non_null(f);
    fputs("{\"format\":\"flowgate-profile\",\"version\":1,\"handler\":\"pdf\",\"documents\":1,"
          "\"edges\":[],\"nodes\":[0", f);
    for (uint32_t i = 0; i < FG_CAP_FLOW_NODES; i++)
        fputs(",0", f);
    fputs("]}", f);
    fclose(f);
    assert_int_equal(load_err("many.json", err, sizeof err), FG_EFORMAT);
    assert_non_null(strstr(err, "within the cap"));
}

/* A profile file lists each node and each edge once; a repeated one would overwrite the
 * counts of another entry. */
static void test_profile_load_duplicates(void **state)
{
    (void)state;
    char err[512], good[17], edges[256];
    snprintf(good, sizeof good, "%016" PRIx64, flow_hash("openat", "font:r", "ctx"));
    snprintf(edges, sizeof edges, "[[\"%s\",\"%s\",2],[\"%s\",\"%s\",5]]", good, good, good,
             good);
    write_profile("dupedge.json", "flowgate-profile", 1, NULL, edges);
    assert_int_equal(load_err("dupedge.json", err, sizeof err), FG_EFORMAT);
    assert_non_null(strstr(err, "twice"));

    char text[1024];
    const char *node = "{\"id\":\"%s\",\"call\":\"openat\",\"class\":\"font:r\","
                       "\"kind\":\"file-read\",\"context\":\"ctx\",\"docs\":%d,\"count\":9,"
                       "\"flags\":0}";
    char n1[256], n2[256];
    snprintf(n1, sizeof n1, node, good, 3);
    snprintf(n2, sizeof n2, node, good, 4);
    snprintf(text, sizeof text, "{\"format\":\"flowgate-profile\",\"version\":1,"
             "\"handler\":\"pdf\",\"documents\":4,\"nodes\":[%s,%s],\"edges\":[]}", n1, n2);
    tu_write("dupnode.json", text);
    assert_int_equal(load_err("dupnode.json", err, sizeof err), FG_EFORMAT);
    assert_non_null(strstr(err, "twice"));
}

static void test_profile_merge(void **state)
{
    (void)state;
    fg_profile *a = sample_profile("pdf"), *b = sample_profile("pdf"), *o = NULL;
    assert_int_equal(fg_profile_new("office", &o), 0);
    assert_non_null(o);
    long x = flow_graph_add_node(&o->g, "execve", "bin:sh", "c", TRC_K_EXEC, NULL, 0, 0);
    assert_true(x >= 0);
    o->g.serial = 2;
    /* Another handler's profile is refused and changes nothing. */
    assert_int_equal(fg_profile_merge(a, o), FG_EINVAL);
    assert_int_equal(a->g.nnode, 6);
    assert_int_equal(a->g.serial, 7);
    assert_int_equal(fg_profile_merge(a, NULL), FG_EINVAL);
    /* The same handler: documents, violations and docs counts add up; the union of nodes. */
    long y = flow_graph_add_node(&b->g, "socket", "unix:stream", "c", TRC_K_NET, NULL, 0, 0);
    assert_true(y >= 0);
    assert_int_equal(fg_profile_merge(a, b), 0);
    assert_int_equal(a->g.serial, 14);
    assert_int_equal(a->violations, 2);
    assert_int_equal(a->g.nnode, 7);
    assert_int_equal(a->g.nedge, 5);
    const struct flow_node *n = flow_graph_node(&a->g, b->g.node[0].id);
    assert_non_null(n);
    assert_int_equal(n->docs, 2 * b->g.node[0].docs);
    assert_int_equal(n->count, 2 * b->g.node[0].count);
    assert_int_equal(a->g.edge[0].docs, 2 * b->g.edge[0].docs);
    fg_profile_free(a);
    fg_profile_free(b);
    fg_profile_free(o);
    assert_int_equal(fg_profile_new(NULL, &o), FG_EINVAL);
}

/* ---- handlers ---- */

static void assert_argv(char **v, const char *const *want)
{
    size_t i = 0;
    for (; want[i]; i++) {
        assert_non_null(v[i]);
        assert_string_equal(v[i], want[i]);
    }
    assert_null(v[i]);
}

static void test_handlers_builtin(void **state)
{
    (void)state;
    char **v = NULL, err[256];
    assert_int_equal(fg_handler_get(NULL, "pdf", &v, err, sizeof err), 0);
    assert_argv(v, (const char *const[]){"pdftoppm", "-r", "50", "-l", "2", "-png", "{}",
                                         "/work/page", NULL});
    fg_handler_argv_free(v);
    static const char *const names[] = {"office", "image", "archive"};
    static const char *const progs[] = {"soffice", "convert", "bsdtar"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(fg_handler_get(NULL, names[i], &v, err, sizeof err), 0);
        assert_string_equal(v[0], progs[i]);
        bool doc = false;
        for (size_t k = 0; v[k]; k++)
            doc |= strstr(v[k], "{}") != NULL;
        assert_true(doc);
        fg_handler_argv_free(v);
    }
    v = NULL;
    assert_int_equal(fg_handler_get(NULL, "nosuch", &v, err, sizeof err), FG_EINVAL);
    assert_null(v);
    assert_non_null(strstr(err, "no handler named 'nosuch'"));
    static const char *const types[][2] = {{"pdf", "pdf"}, {"ole2", "office"}, {"ooxml", "office"},
                                           {"rtf", "office"}, {"png", "image"}, {"jpeg", "image"},
                                           {"zip", "archive"}, {"7z", "archive"}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char *name = NULL;
        assert_int_equal(fg_handler_for_type(NULL, types[i][0], &name), 0);
        assert_string_equal(name, types[i][1]);
        free(name);
    }
    char *name = NULL;
    assert_int_equal(fg_handler_for_type(NULL, "elf", &name), FG_EINVAL);
    assert_int_equal(fg_handler_for_type(NULL, "pd", &name), FG_EINVAL); /* whole names */
    assert_null(name);
    char *list = fg_handler_list(NULL);
    assert_non_null(list);
    assert_non_null(strstr(list, "pdf\tpdf\tpdftoppm -r 50 -l 2 -png {} /work/page\n"));
    assert_non_null(strstr(list, "\narchive\t"));
    free(list);
}

static void test_handlers_file(void **state)
{
    (void)state;
    tu_write("handlers",
             "# my handlers\n"
             "\n"
             "   \t\n"
             "pdf   pdf,ps     mutool draw -o \"/work/out put.png\" {}\n"
             "txt\ttext,plain  cat {}   # a comment after the command\n"
             "view  fgdoc      /opt/fgview/fgview --doc={} \"\"\n");
    char **v = NULL, err[256];
    assert_int_equal(fg_handler_get("handlers", "pdf", &v, err, sizeof err), 0);
    assert_argv(v, (const char *const[]){"mutool", "draw", "-o", "/work/out put.png", "{}", NULL});
    fg_handler_argv_free(v);
    assert_int_equal(fg_handler_get("handlers", "txt", &v, err, sizeof err), 0);
    assert_argv(v, (const char *const[]){"cat", "{}", NULL});
    fg_handler_argv_free(v);
    assert_int_equal(fg_handler_get("handlers", "view", &v, err, sizeof err), 0);
    assert_argv(v, (const char *const[]){"/opt/fgview/fgview", "--doc={}", "", NULL});
    fg_handler_argv_free(v);
    assert_int_equal(fg_handler_get("handlers", "office", &v, err, sizeof err), 0);
    assert_string_equal(v[0], "soffice"); /* the built-ins not overridden stay */
    fg_handler_argv_free(v);
    char *name = NULL;
    assert_int_equal(fg_handler_for_type("handlers", "plain", &name), 0);
    assert_string_equal(name, "txt");
    free(name);
    assert_int_equal(fg_handler_for_type("handlers", "ps", &name), 0);
    assert_string_equal(name, "pdf");
    free(name);
    char *list = fg_handler_list("handlers");
    assert_non_null(list);
    assert_non_null(strstr(list, "pdf\tpdf,ps\tmutool draw -o /work/out put.png {}\n"));
    assert_non_null(strstr(list, "txt\ttext,plain\tcat {}\n"));
    assert_null(strstr(list, "pdftoppm"));
    free(list);
}

static void expect_malformed(const char *text, const char *where)
{
    tu_write("bad-handlers", text);
    char **v = NULL, err[256] = "";
    assert_int_equal(fg_handler_get("bad-handlers", "pdf", &v, err, sizeof err), FG_EFORMAT);
    assert_null(v);
    if (!strstr(err, where))
        print_message("error '%s' does not name %s\n", err, where);
    assert_non_null(strstr(err, where));
    char *name = NULL;
    assert_true(fg_handler_for_type("bad-handlers", "pdf", &name) < 0);
    assert_null(fg_handler_list("bad-handlers"));
}

static void test_handlers_malformed(void **state)
{
    (void)state;
    expect_malformed("ok pdf cat {}\n# fine\nbroken pdf\n", "bad-handlers:3:");
    expect_malformed("ok pdf \"unterminated {}\n", "bad-handlers:1:");
    expect_malformed("\nname-that-is-far-too-long-for-a-handler pdf cat {}\n", "bad-handlers:2:");
    expect_malformed("justaname\n", "bad-handlers:1:");
    /* A command longer than a handler holds is refused, not cut short. */
    char line[4096];
    int o = snprintf(line, sizeof line, "ok pdf cat {}\nlong pdf prog");
    for (int i = 0; i < 40; i++)
        o += snprintf(line + o, sizeof line - (size_t)o, " a%d", i);
    snprintf(line + o, sizeof line - (size_t)o, "\n");
    expect_malformed(line, "bad-handlers:2:");
    /* So is a line longer than a line may be (it is not read as two lines). */
    o = snprintf(line, sizeof line, "wide pdf prog ");
    memset(line + o, 'x', 3000);
    snprintf(line + o + 3000, sizeof line - (size_t)o - 3000, " {}\n");
    expect_malformed(line, "bad-handlers:1:");
    char **v = NULL, err[256] = "";
    assert_int_equal(fg_handler_get("no-such-file", "pdf", &v, err, sizeof err), FG_EIO);
    assert_non_null(strstr(err, "no-such-file"));
}

/* ---- argument classes ---- */

static void test_path_normalise(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"/work", "a/b", "/work/a/b"},
        {"/work", "../../tmp/fg-escape", "/tmp/fg-escape"},
        {"/work", "/tmp/../etc/cron.d/x", "/etc/cron.d/x"},
        {"/work", "./a//b/./c/", "/work/a/b/c"},
        {"/work/sub", "..", "/work"},
        {"/work", "", "/work"},
        {"/", "../../..", "/"},
        {"/work", "/..", "/"},
        {"/work", "/a/b/../../../../c", "/c"},
        {"/work", "//etc///passwd", "/etc/passwd"},
        {"/work", "...", "/work/..."},
        {"/work", "..x/y", "/work/..x/y"},
        {NULL, "x", "/x"},
        {"", "x/..", "/"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[512];
        trc_path_normalise(cases[i][0], cases[i][1], out, sizeof out);
        if (strcmp(out, cases[i][2]))
            print_message("(%s, %s) -> %s\n", cases[i][0] ? cases[i][0] : "NULL", cases[i][1],
                          out);
        assert_string_equal(out, cases[i][2]);
    }
    /* A result that does not fit is cut at a component, never past the buffer. */
    char small[12];
    memset(small, 'Z', sizeof small);
    trc_path_normalise("/work", "abcdef/ghijkl/mnop", small, 10);
    assert_string_equal(small, "/work");
    assert_int_equal(small[10], 'Z');
}

static void test_path_class(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"/work/document.pdf", "input"},
        {"/work/document.pdf.x", "work"},
        {"/work", "work"},
        {"/work/out/page-1.png", "work"},
        {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "font"},
        {"/usr/share/fontconfig/conf.avail/10-x.conf", "font"},
        {"/etc/fonts/fonts.conf", "font"},
        {"/var/cache/fontconfig/abc.cache-8", "font"},
        {"/usr/lib/x86_64-linux-gnu/libc.so.6", "syslib"},
        {"/lib/x86_64-linux-gnu/libz.so.1", "syslib"},
        {"/lib64/ld-linux-x86-64.so.2", "syslib"},
        {"/usr/lib64/x", "syslib"},
        {"/usr/libexec/x", "syslib"},
        {"/usr/local/lib/x.so", "syslib"},
        {"/usr/bin/pdftoppm", "bin"},
        {"/bin/sh", "bin"},
        {"/usr/sbin/x", "bin"},
        {"/sbin/x", "bin"},
        {"/usr/share/poppler/cMap/x", "sysdata"},
        {"/etc/passwd", "config"},
        {"/etc/cron.d/x", "config"},
        {"/tmp/x", "tmp"},
        {"/dev/shm/x", "tmp"},
        {"/var/tmp/x", "tmp"},
        {"/proc/self/maps", "proc"},
        {"/sys/class/dmi/id/product_name", "sys"},
        {"/dev/null", "dev"},
        {"/home/user/.ssh/id_rsa", "elsewhere"},
        {"/root/.bashrc", "elsewhere"},
        {"/var/log/syslog", "elsewhere"},
        {"/workshop/x", "elsewhere"},
        {"/tmpfile", "elsewhere"},
        {"/usr/libx/y", "elsewhere"},
        {"/", "elsewhere"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *c = trc_path_class(cases[i][0], "/work/document.pdf");
        if (strcmp(c, cases[i][1]))
            print_message("%s -> %s\n", cases[i][0], c);
        assert_string_equal(c, cases[i][1]);
    }
    assert_string_equal(trc_path_class("/work/document.pdf", NULL), "work");
}

/* Classifies a call whose pointer arguments point into this process (the tracer reads
 * them with process_vm_readv, which works on oneself as on a tracee). */
static struct trc_args classify(int nr, const struct user_regs_struct *r, const char *cwd,
                                const struct trc_space *sp)
{
    const struct trc_call *c = trc_call_find(nr);
    assert_non_null(c);
    struct trc_proc_view pv = {.tid = getpid(), .cwd = cwd, .input = "/work/document.pdf",
                               .sp = sp};
    struct trc_args a;
    memset(&a, 0xa5, sizeof a); /* classify sets every field */
    trc_args_classify(&pv, c, r, &a);
    return a;
}

static struct trc_args open_at(const char *path, unsigned long flags, const char *cwd)
{
    struct user_regs_struct r;
    memset(&r, 0, sizeof r);
    r.rdi = (unsigned long long)(long long)AT_FDCWD;
    r.rsi = (uintptr_t)path;
    r.rdx = flags;
    return classify(SYS_openat, &r, cwd, NULL);
}

static void test_classify_open(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        unsigned long flags;
        const char *cwd, *cls, *detail;
        enum trc_kind kind;
        bool outside;
    } cases[] = {
        {"/work/x", O_WRONLY | O_CREAT | O_TRUNC, "/work", "work:wc", "/work/x", TRC_K_FILE_WRITE, false},
        {"out/x", O_RDWR | O_CREAT, "/work", "work:rwc", "/work/out/x", TRC_K_FILE_WRITE, false},
        {"/work/document.pdf", O_RDONLY, "/", "input:r", "/work/document.pdf", TRC_K_FILE_READ, false},
        {"document.pdf", O_RDONLY | O_CLOEXEC, "/work", "input:r", "/work/document.pdf", TRC_K_FILE_READ, false},
        {"/usr/share/fonts/a.ttf", O_RDONLY, "/work", "font:r", "/usr/share/fonts/a.ttf", TRC_K_FILE_READ, false},
        {"/usr/share", O_RDONLY | O_DIRECTORY, "/work", "sysdata:d", "/usr/share", TRC_K_FILE_READ, false},
        {"/tmp/../etc/cron.d/x", O_WRONLY | O_CREAT | O_TRUNC, "/work", "config:wc", "/etc/cron.d/x", TRC_K_FILE_WRITE, true},
        {"../../tmp/fg-escape", O_WRONLY | O_CREAT | O_TRUNC, "/work", "tmp:wc", "/tmp/fg-escape", TRC_K_FILE_WRITE, true},
        {"/etc/passwd", O_WRONLY, "/work", "config:w", "/etc/passwd", TRC_K_FILE_WRITE, true},
        {"/etc/passwd", O_RDONLY | O_TRUNC, "/work", "config:w", "/etc/passwd", TRC_K_FILE_WRITE, true},
        {"/etc/passwd", O_RDWR, "/work", "config:rw", "/etc/passwd", TRC_K_FILE_WRITE, true},
        {"/dev/null", O_WRONLY, "/work", "dev:/dev/null:w", "/dev/null", TRC_K_FILE_WRITE, false},
        {"/proc/1234/status", O_RDONLY, "/work", "proc:/proc/N/status:r", "/proc/1234/status", TRC_K_FILE_READ, false},
        {"/proc/self/maps", O_RDONLY, "/work", "proc:/proc/N/maps:r", "/proc/self/maps", TRC_K_FILE_READ, false},
        {"/sys/devices/system/cpu/cpu12/online", O_RDONLY, "/work", "sys:/sys/devices/system/cpu/cpuN/online:r", "/sys/devices/system/cpu/cpu12/online", TRC_K_FILE_READ, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct trc_args a = open_at(cases[i].path, cases[i].flags, cases[i].cwd);
        if (strcmp(a.cls, cases[i].cls) || strcmp(a.detail, cases[i].detail) ||
            a.kind != cases[i].kind || a.outside_work != cases[i].outside)
            print_message("%s -> %s [%s] kind %d outside %d\n", cases[i].path, a.cls,
                          a.detail, a.kind, a.outside_work);
        assert_string_equal(a.cls, cases[i].cls);
        assert_string_equal(a.detail, cases[i].detail);
        assert_int_equal(a.kind, cases[i].kind);
        assert_int_equal(a.outside_work, cases[i].outside);
        assert_false(a.net_outside);
        assert_false(a.exec_prot);
        assert_string_equal(a.newcwd, "");
    }
    /* Classes go into JSON reports and profiles: a name that is not UTF-8, or a long one
     * cut short, still gives a valid string (else the node would be dropped there). */
    char longp[400];
    int lo = snprintf(longp, sizeof longp, "/proc/\xff\xfe/");
    for (int k = 0; k < 60; k++)
        lo += snprintf(longp + lo, sizeof longp - (size_t)lo, "\xc3\xa9");
    const char *odd[] = {"/proc/\xff\xfe/x", longp, "/dev/\x01\x1b[2J"};
    for (size_t k = 0; k < 3; k++) {
        struct trc_args b = open_at(odd[k], O_RDONLY, "/work");
        json_t *js = json_string(b.cls);
        if (!js)
            print_message("not UTF-8: %s\n", b.cls);
        assert_non_null(js);
        json_decref(js);
        assert_true(strncmp(b.cls, "proc:", 5) == 0 || strncmp(b.cls, "dev:", 4) == 0);
    }
    assert_string_equal(open_at("/proc/\xff\xfe/x", O_RDONLY, "/work").cls,
                        "proc:/proc/\\xFF\\xFE/x:r");
    /* A path the tracee does not hold. */
    struct user_regs_struct r;
    memset(&r, 0, sizeof r);
    r.rdi = (unsigned long long)(long long)AT_FDCWD;
    r.rsi = 8; /* unmapped */
    struct trc_args a = classify(SYS_openat, &r, "/work", NULL);
    assert_string_equal(a.detail, "?");
    /* Relative to a directory descriptor: its link says where. */
    char here[4096], want[4200];
    assert_non_null(getcwd(here, sizeof here));
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    assert_true(dfd >= 0);
    r.rdi = (unsigned long long)dfd;
    r.rsi = (uintptr_t) "sub/../f.txt";
    r.rdx = O_WRONLY | O_CREAT;
    a = classify(SYS_openat, &r, "/work", NULL);
    snprintf(want, sizeof want, "%s/f.txt", here);
    assert_string_equal(a.detail, want);
    assert_string_equal(a.cls, "tmp:wc");
    /* unlinkat and renameat name their target; chdir moves the process. */
    r.rsi = (uintptr_t) "victim.docx";
    a = classify(SYS_unlinkat, &r, "/work", NULL);
    assert_string_equal(a.cls, "tmp:w");
    assert_int_equal(a.kind, TRC_K_FILE_WRITE);
    close(dfd);
    memset(&r, 0, sizeof r);
    r.rdi = (uintptr_t) "old.docx";
    r.rsi = (uintptr_t) "/work/old.docx.locked";
    a = classify(SYS_rename, &r, "/work", NULL);
    assert_string_equal(a.cls, "work:w");
    assert_string_equal(a.detail, "/work/old.docx.locked");
    r.rdi = (uintptr_t) "out/../sub";
    a = classify(SYS_chdir, &r, "/work", NULL);
    assert_string_equal(a.newcwd, "/work/sub");
    assert_int_equal(a.kind, TRC_K_PROC);
}

static struct trc_args connect_to(const void *sa, size_t len)
{
    struct user_regs_struct r;
    memset(&r, 0, sizeof r);
    r.rdi = 3;
    r.rsi = (uintptr_t)sa;
    r.rdx = len;
    return classify(SYS_connect, &r, "/work", NULL);
}

static void test_classify_sockets(void **state)
{
    (void)state;
    static const struct {
        const char *ip;
        unsigned port;
        const char *cls, *detail;
        bool outside;
    } v4[] = {
        {"192.0.2.1", 443, "inet:public:https", "192.0.2.1:443", true},
        {"127.0.0.1", 8080, "inet:loopback:http", "127.0.0.1:8080", false},
        {"127.3.2.1", 53, "inet:loopback:dns", "127.3.2.1:53", false},
        {"10.1.2.3", 25, "inet:private:smtp", "10.1.2.3:25", true},
        {"172.16.0.1", 5000, "inet:private:high", "172.16.0.1:5000", true},
        {"172.32.0.1", 5000, "inet:public:high", "172.32.0.1:5000", true},
        {"192.168.1.1", 22, "inet:private:low", "192.168.1.1:22", true},
        {"169.254.169.254", 80, "inet:linklocal:http", "169.254.169.254:80", true},
        {"224.0.0.251", 5353, "inet:multicast:high", "224.0.0.251:5353", true},
        {"0.0.0.0", 0, "inet:any:0", "0.0.0.0:0", false},
    };
    for (size_t i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)v4[i].port)};
        assert_int_equal(inet_pton(AF_INET, v4[i].ip, &a.sin_addr), 1);
        struct trc_args t = connect_to(&a, sizeof a);
        if (strcmp(t.cls, v4[i].cls))
            print_message("%s -> %s\n", v4[i].ip, t.cls);
        assert_string_equal(t.cls, v4[i].cls);
        assert_string_equal(t.detail, v4[i].detail);
        assert_int_equal(t.net_outside, v4[i].outside);
        assert_int_equal(t.kind, TRC_K_NET);
    }
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(443)};
    inet_pton(AF_INET6, "::1", &a6.sin6_addr);
    struct trc_args t = connect_to(&a6, sizeof a6);
    assert_string_equal(t.cls, "inet6:loopback:https");
    assert_string_equal(t.detail, "[::1]:443");
    assert_false(t.net_outside);
    inet_pton(AF_INET6, "2001:db8::1", &a6.sin6_addr);
    t = connect_to(&a6, sizeof a6);
    assert_string_equal(t.cls, "inet6:public:https");
    assert_true(t.net_outside);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    snprintf(un.sun_path, sizeof un.sun_path, "sock/../ctl");
    t = connect_to(&un, sizeof un);
    assert_string_equal(t.cls, "unix:work");
    assert_string_equal(t.detail, "/work/ctl");
    assert_false(t.net_outside);
    memcpy(un.sun_path, "\0hidden", 8);
    t = connect_to(&un, offsetof(struct sockaddr_un, sun_path) + 7);
    assert_string_equal(t.cls, "unix:abstract");
    assert_string_equal(t.detail, "hidden");
    t = connect_to(NULL, 16);
    assert_string_equal(t.cls, "none");
    t = connect_to(&un, 0);
    assert_string_equal(t.cls, "none");
    /* socket: family and type only; sendto: its address, or "connected". */
    struct user_regs_struct r;
    memset(&r, 0, sizeof r);
    r.rdi = AF_INET;
    r.rsi = SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK;
    t = classify(SYS_socket, &r, "/work", NULL);
    assert_string_equal(t.cls, "inet:stream");
    r.rdi = AF_INET6;
    r.rsi = SOCK_DGRAM;
    assert_string_equal(classify(SYS_socket, &r, "/work", NULL).cls, "inet6:dgram");
    r.rdi = AF_PACKET;
    r.rsi = SOCK_RAW;
    assert_string_equal(classify(SYS_socket, &r, "/work", NULL).cls, "packet:raw");
    struct sockaddr_in dns = {.sin_family = AF_INET, .sin_port = htons(53)};
    inet_pton(AF_INET, "8.8.8.8", &dns.sin_addr);
    memset(&r, 0, sizeof r);
    r.r8 = (uintptr_t)&dns;
    r.r9 = sizeof dns;
    t = classify(SYS_sendto, &r, "/work", NULL);
    assert_string_equal(t.cls, "inet:public:dns");
    assert_true(t.net_outside);
    r.r8 = 0;
    assert_string_equal(classify(SYS_sendto, &r, "/work", NULL).cls, "connected");
}

static void test_classify_exec_proc(void **state)
{
    (void)state;
    const char *argv[] = {"sh", "-c", "echo owned > /work/owned", NULL};
    struct user_regs_struct r;
    memset(&r, 0, sizeof r);
    r.rdi = (uintptr_t) "/bin/../bin/sh";
    r.rsi = (uintptr_t)argv;
    struct trc_args a = classify(SYS_execve, &r, "/work", NULL);
    assert_string_equal(a.cls, "bin:sh");
    assert_string_equal(a.detail, "/bin/sh: sh -c echo owned > /work/owned");
    assert_int_equal(a.kind, TRC_K_EXEC);
    /* A program the run dropped into its work directory. */
    const char *argv2[] = {"./dropper", NULL};
    r.rdi = (uintptr_t) "./dropper";
    r.rsi = (uintptr_t)argv2;
    a = classify(SYS_execve, &r, "/work", NULL);
    assert_string_equal(a.cls, "work:dropper");
    r.rsi = 0; /* no argv at all */
    a = classify(SYS_execve, &r, "/work", NULL);
    assert_string_equal(a.detail, "/work/dropper: ");
    memset(&r, 0, sizeof r);
    r.rdi = 1;
    r.rsi = SIGKILL;
    assert_string_equal(classify(SYS_kill, &r, "/work", NULL).cls, "sig=9");
    r.rdx = SIGTERM;
    assert_string_equal(classify(SYS_tgkill, &r, "/work", NULL).cls, "sig=15");
    r.rdi = 38;
    assert_string_equal(classify(SYS_prctl, &r, "/work", NULL).cls, "option=38");
    /* Names for reports: recorded calls, hostile ones, anything else. */
    char buf[32];
    assert_string_equal(trc_call_name(SYS_openat, buf, sizeof buf), "openat");
    assert_string_equal(trc_call_name(SYS_ptrace, buf, sizeof buf), "ptrace");
    assert_string_equal(trc_call_name(SYS_bpf, buf, sizeof buf), "bpf");
    assert_string_equal(trc_call_name(999, buf, sizeof buf), "syscall_999");
    assert_null(trc_call_find(SYS_read)); /* not recorded */
}

static int data_page_marker = 42; /* in this program's writable data segment */

static void test_classify_memory(void **state)
{
    (void)state;
    struct user_regs_struct r;
    memset(&r, 0, sizeof r);
    r.rsi = 4096;
    r.rdx = PROT_READ | PROT_WRITE | PROT_EXEC;
    r.r10 = MAP_PRIVATE | MAP_ANONYMOUS;
    r.r8 = (unsigned long long)-1LL;
    struct trc_args a = classify(SYS_mmap, &r, "/work", NULL);
    assert_string_equal(a.cls, "prot=rwx anon private");
    assert_true(a.exec_prot);
    assert_int_equal(a.kind, TRC_K_MEM);
    r.rdx = PROT_READ | PROT_WRITE;
    a = classify(SYS_mmap, &r, "/work", NULL);
    assert_string_equal(a.cls, "prot=rw anon private");
    assert_false(a.exec_prot);
    r.rdx = PROT_EXEC;
    r.r10 = MAP_SHARED | MAP_ANONYMOUS;
    a = classify(SYS_mmap, &r, "/work", NULL);
    assert_string_equal(a.cls, "prot=x anon shared");
    assert_true(a.exec_prot);
    /* File mappings: code from a system library is ordinary, from a file the run could have
     * written it is executable memory of its own. */
    int lib = open("/usr/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY);
    if (lib < 0)
        lib = open("/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY);
    assert_true(lib >= 0);
    tu_write("payload.bin", "not really code");
    int own = open("payload.bin", O_RDONLY);
    assert_true(own >= 0);
    r.r10 = MAP_PRIVATE;
    r.rdx = PROT_READ | PROT_EXEC;
    r.r8 = (unsigned long long)lib;
    a = classify(SYS_mmap, &r, "/work", NULL);
    assert_string_equal(a.cls, "prot=rx file:syslib private");
    assert_false(a.exec_prot);
    r.r8 = (unsigned long long)own;
    a = classify(SYS_mmap, &r, "/work", NULL);
    assert_string_equal(a.cls, "prot=rx file:tmp private");
    assert_true(a.exec_prot);
    r.rdx = PROT_READ;
    assert_false(classify(SYS_mmap, &r, "/work", NULL).exec_prot);
    close(lib);
    close(own);

    /* mprotect: what is being changed, from this process's own mappings. */
    struct trc_modules mods;
    memset(&mods, 0, sizeof mods);
    struct trc_space sp;
    memset(&sp, 0, sizeof sp);
    assert_int_equal(trc_space_load(&sp, &mods, getpid()), 0);
    memset(&r, 0, sizeof r);
    r.rdi = (uintptr_t)&data_page_marker & ~(uintptr_t)4095;
    r.rsi = 4096;
    r.rdx = PROT_READ;
    a = classify(SYS_mprotect, &r, "/work", &sp);
    assert_string_equal(a.cls, "prot=r file");
    assert_false(a.exec_prot);
    /* Turning a file's writable data into code (rop-mprotect in tests/flow): W^X. */
    r.rdx = PROT_READ | PROT_WRITE | PROT_EXEC;
    a = classify(SYS_mprotect, &r, "/work", &sp);
    assert_string_equal(a.cls, "prot=rwx file");
    assert_true(a.exec_prot);
    /* Re-protecting a library's own code is what the dynamic loader does. */
    r.rdi = (uintptr_t)&test_classify_memory & ~(uintptr_t)4095;
    r.rdx = PROT_READ | PROT_EXEC;
    a = classify(SYS_mprotect, &r, "/work", &sp);
    assert_string_equal(a.cls, "prot=rx file");
    assert_false(a.exec_prot);
    int stack_var = 0;
    r.rdi = (uintptr_t)&stack_var & ~(uintptr_t)4095;
    a = classify(SYS_mprotect, &r, "/work", &sp);
    assert_string_equal(a.cls, "prot=rx stack");
    assert_true(a.exec_prot);
    r.rdi = 4096; /* nothing is mapped at the second page */
    a = classify(SYS_mprotect, &r, "/work", &sp);
    assert_string_equal(a.cls, "prot=rx unmapped");
    assert_true(a.exec_prot);
    trc_space_clear(&sp);
    trc_modules_free(&mods);
    (void)data_page_marker;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_graph_nodes_edges),
        cmocka_unit_test(test_graph_merge_docs),
        cmocka_unit_test_setup_teardown(test_profile_roundtrip, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_profile_load_rejects, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_profile_load_caps, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_profile_load_duplicates, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test(test_profile_merge),
        cmocka_unit_test(test_handlers_builtin),
        cmocka_unit_test_setup_teardown(test_handlers_file, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_handlers_malformed, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test(test_path_normalise),
        cmocka_unit_test(test_path_class),
        cmocka_unit_test_setup_teardown(test_classify_open, tu_tmpdir_setup, tu_tmpdir_teardown),
        cmocka_unit_test(test_classify_sockets),
        cmocka_unit_test(test_classify_exec_proc),
        cmocka_unit_test_setup_teardown(test_classify_memory, tu_tmpdir_setup, tu_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
