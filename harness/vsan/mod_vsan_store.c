/* `vsan store ...`: a server's store file read directly, to check mirroring and resync from
 * outside the servers. Reads are bounded and chunked; nothing is written. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block_value.h"
#include "history.h"
#include "mod_vsan.h"

#define MV_STORE_BLOCK 512u           /* the reference server's block (the LUN core's) */
#define MV_STORE_BLOCK_MAX 65536u
#define MV_STORE_READ_MAX 65536u      /* blocks one `store read` decodes */
#define MV_STORE_CHUNK (1u << 20)     /* bytes read at once */

typedef struct store_file {
    int fd;
    uint64_t size;
} store_file;

static int open_store(Tcl_Interp *interp, Tcl_Obj *path, store_file *f)
{
    struct stat st;
    f->fd = open(Tcl_GetString(path), O_RDONLY | O_CLOEXEC);
    if (f->fd < 0 || fstat(f->fd, &st) != 0) {
        int e = errno;
        if (f->fd >= 0)
            close(f->fd);
        return mc_tcl_error(interp, "IO", "store %s: %s", Tcl_GetString(path), strerror(e));
    }
    f->size = (uint64_t)st.st_size;
    return TCL_OK;
}

/* Reads up to len bytes at off (fewer at the end of the file); -1 on a read error. */
static ssize_t read_at(const store_file *f, uint8_t *buf, size_t len, uint64_t off)
{
    size_t got = 0;
    while (got < len && off + got < f->size) {
        ssize_t n = pread(f->fd, buf + got, len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -1 : (ssize_t)got;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Options -block B / -from B, -count N, -block-size BS from objv[from]. */
static int range_opts(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], int from, const char *first_opt,
                      Tcl_WideInt *first, Tcl_WideInt *count, Tcl_WideInt *bs, const char *use)
{
    if ((objc - from) % 2)
        return mv_usage(interp, use);
    for (int i = from; i < objc; i += 2) {
        const char *o = Tcl_GetString(objv[i]);
        int rc;
        if (strcmp(o, first_opt) == 0)
            rc = mv_get_range(interp, first_opt, objv[i + 1], 0, INT64_MAX / MV_STORE_BLOCK_MAX, first);
        else if (strcmp(o, "-count") == 0)
            rc = mv_get_range(interp, "-count", objv[i + 1], 1, INT64_MAX / MV_STORE_BLOCK_MAX, count);
        else if (strcmp(o, "-block-size") == 0)
            rc = mv_get_range(interp, "-block-size", objv[i + 1], MC_BLOCK_VALUE_ID_LEN, MV_STORE_BLOCK_MAX, bs);
        else
            return mv_usage(interp, use);
        if (rc != TCL_OK)
            return TCL_ERROR;
    }
    return TCL_OK;
}

/* store read PATH -block B ?-count N? ?-block-size BS?: the value ids of blocks B.. as a client
 * decodes them (0 the initial content, "foreign" anything no client wrote). */
static int cmd_read(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    static const char use[] = "store read PATH -block B ?-count N? ?-block-size BS?";
    Tcl_WideInt block = -1, count = 1, bs = MV_STORE_BLOCK;
    if (objc < 3 || range_opts(interp, objc, objv, 3, "-block", &block, &count, &bs, use) != TCL_OK)
        return objc < 3 ? mv_usage(interp, use) : TCL_ERROR;
    if (block < 0)
        return mv_usage(interp, use);
    if (count > MV_STORE_READ_MAX)
        return mc_tcl_error(interp, "USAGE", "-count %lld above %u", (long long)count, MV_STORE_READ_MAX);
    store_file f;
    if (open_store(interp, objv[2], &f) != TCL_OK)
        return TCL_ERROR;
    uint8_t *buf = malloc((size_t)bs);
    if (!buf) {
        close(f.fd);
        return mc_tcl_error(interp, "NOMEM", "out of memory");
    }
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    int rc = TCL_OK;
    for (Tcl_WideInt i = 0; i < count && rc == TCL_OK; i++) {
        ssize_t n = read_at(&f, buf, (size_t)bs, (uint64_t)(block + i) * (uint64_t)bs);
        if (n != (ssize_t)bs) {
            rc = mc_tcl_error(interp, n < 0 ? "IO" : "RANGE", "store %s: block %lld %s", Tcl_GetString(objv[2]),
                              (long long)(block + i), n < 0 ? strerror(errno) : "is past the end");
            break;
        }
        uint64_t v = mc_block_value_decode(buf, (size_t)bs);
        Tcl_ListObjAppendElement(NULL, l, v == MC_HISTORY_VALUE_FOREIGN ? Tcl_NewStringObj("foreign", -1) : mv_wide(v));
    }
    free(buf);
    close(f.fd);
    if (rc != TCL_OK) {
        Tcl_IncrRefCount(l);   /* frees the partial list */
        Tcl_DecrRefCount(l);
        return rc;
    }
    Tcl_SetObjResult(interp, l);
    return TCL_OK;
}

/* store equal PATH1 PATH2 ?-from B? ?-count N? ?-block-size BS?: {equal 0|1 block FIRST_DIFFERENT
 * compared BLOCKS}; a range past one file's end but not the other's differs there. */
static int cmd_equal(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    static const char use[] = "store equal PATH1 PATH2 ?-from B? ?-count N? ?-block-size BS?";
    Tcl_WideInt from = 0, count = -1, bs = MV_STORE_BLOCK;
    if (objc < 4 || range_opts(interp, objc, objv, 4, "-from", &from, &count, &bs, use) != TCL_OK)
        return objc < 4 ? mv_usage(interp, use) : TCL_ERROR;
    store_file a, b;
    if (open_store(interp, objv[2], &a) != TCL_OK)
        return TCL_ERROR;
    if (open_store(interp, objv[3], &b) != TCL_OK) {
        close(a.fd);
        return TCL_ERROR;
    }
    uint64_t start = (uint64_t)from * (uint64_t)bs, big = a.size > b.size ? a.size : b.size;
    uint64_t end = count > 0 ? start + (uint64_t)count * (uint64_t)bs : big;
    uint8_t *x = malloc(MV_STORE_CHUNK), *y = malloc(MV_STORE_CHUNK);
    int64_t differ = -1;
    int rc = TCL_OK;
    for (uint64_t off = start; x && y && off < end && differ < 0;) {
        size_t want = end - off < MV_STORE_CHUNK ? (size_t)(end - off) : MV_STORE_CHUNK;
        ssize_t na = read_at(&a, x, want, off), nb = read_at(&b, y, want, off);
        if (na < 0 || nb < 0) {
            rc = mc_tcl_error(interp, "IO", "store read: %s", strerror(errno));
            break;
        }
        size_t common = (size_t)(na < nb ? na : nb);
        for (size_t i = 0; i < common && differ < 0; i++)
            if (x[i] != y[i])
                differ = (int64_t)((off + i) / (uint64_t)bs);
        if (differ < 0 && na != nb)
            differ = (int64_t)((off + common) / (uint64_t)bs);   /* one store ends here, the other goes on */
        if (na == 0 && nb == 0)
            break;
        off += want;
    }
    if (rc == TCL_OK && (!x || !y))
        rc = mc_tcl_error(interp, "NOMEM", "out of memory");
    free(x);
    free(y);
    close(a.fd);
    close(b.fd);
    if (rc != TCL_OK)
        return rc;
    Tcl_Obj *d = Tcl_NewDictObj();
    mv_put(d, "equal", Tcl_NewBooleanObj(differ < 0));
    mv_put(d, "block", Tcl_NewWideIntObj(differ));
    uint64_t stop = end < big ? end : big;
    mv_put(d, "compared", mv_wide(stop > start ? (stop - start + (uint64_t)bs - 1u) / (uint64_t)bs : 0u));
    Tcl_SetObjResult(interp, d);
    return TCL_OK;
}

int mv_store_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    static const char *const subs[] = {"read", "equal", NULL};
    int sub;
    if (objc < 2)
        return mv_usage(interp, "store read|equal ...");
    if (Tcl_GetIndexFromObj(interp, objv[1], subs, "store subcommand", 0, &sub) != TCL_OK)
        return TCL_ERROR;
    return sub == 0 ? cmd_read(interp, objc, objv) : cmd_equal(interp, objc, objv);
}
