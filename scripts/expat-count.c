/* The floor under bench-export's read-and-stage figure: libexpat, the C parser behind
 * Python's iterparse, counting the <object> elements of an entities.xml and doing nothing
 * else (no text handler, no copies). scripts/bench-export compiles and times it.
 * Usage: expat-count FILE   prints the object count; exit 1 on a parse error. */
#include <expat.h>
#include <stdio.h>
#include <string.h>

static long objects = 0;

static void on_start(void *data, const char *name, const char **attributes) {
    (void)data;
    (void)attributes;
    if (strcmp(name, "object") == 0) objects++;
}

static void on_end(void *data, const char *name) {
    (void)data;
    (void)name;
}

int main(int argc, char **argv) {
    static char buffer[1 << 20];
    if (argc != 2) {
        fprintf(stderr, "usage: expat-count FILE\n");
        return 2;
    }
    FILE *file = fopen(argv[1], "rb");
    if (!file) {
        perror(argv[1]);
        return 2;
    }
    XML_Parser parser = XML_ParserCreate(NULL);
    XML_SetElementHandler(parser, on_start, on_end);
    size_t read;
    int done = 0;
    while (!done) {
        read = fread(buffer, 1, sizeof buffer, file);
        done = read < sizeof buffer;
        if (XML_Parse(parser, buffer, (int)read, done) == XML_STATUS_ERROR) {
            fprintf(stderr, "%s: %s at line %lu\n", argv[1], XML_ErrorString(XML_GetErrorCode(parser)),
                    (unsigned long)XML_GetCurrentLineNumber(parser));
            return 1;
        }
    }
    printf("%ld\n", objects);
    XML_ParserFree(parser);
    fclose(file);
    return 0;
}
