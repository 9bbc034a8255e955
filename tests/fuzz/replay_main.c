/* Replays fuzz inputs through a target's LLVMFuzzerTestOneInput without libFuzzer: every regular
 * file named, or found in a folder named, in name order. A crash or trap fails the run; so does
 * finding no input at all. Serves any fuzz target linked with it. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define INPUT_MAX (16u << 20)   /* larger inputs are refused, not replayed */
#define PATH_MAX_LEN 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "replay: %s: not a regular file\n", path);
        return -1;
    }
    if ((uintmax_t)st.st_size > INPUT_MAX) {
        fprintf(stderr, "replay: %s: %jd bytes, above the %u-byte limit\n", path, (intmax_t)st.st_size, INPUT_MAX);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    uint8_t *buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
    size_t n = f && buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    int ok = f && buf && n == (size_t)st.st_size;
    if (f)
        fclose(f);
    if (ok)
        LLVMFuzzerTestOneInput(buf, n);
    else
        fprintf(stderr, "replay: %s: cannot read it\n", path);
    free(buf);
    return ok ? 0 : -1;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
    unsigned replayed = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            struct dirent **names = NULL;
            int n = scandir(argv[i], &names, NULL, by_name);
            for (int k = 0; k < n; k++) {
                char path[PATH_MAX_LEN];
                if (names[k]->d_name[0] != '.' &&
                    snprintf(path, sizeof(path), "%s/%s", argv[i], names[k]->d_name) < (int)sizeof(path)) {
                    if (replay_file(path) == 0)
                        replayed++;
                    else
                        failed++;
                }
                free(names[k]);
            }
            free(names);
        } else if (replay_file(argv[i]) == 0) {
            replayed++;
        } else {
            failed++;
        }
    }
    printf("replayed %u inputs, %u unreadable\n", replayed, failed);
    return replayed > 0 && failed == 0 ? 0 : 1;
}
