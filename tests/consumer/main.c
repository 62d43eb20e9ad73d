/* A program outside the libattn tree, built against an installed libattn
 * to prove the installed header, library, pkg-config file and CMake package
 * are usable. Prints the model_type of the folder given. */
#include <stdio.h>

#include <attn.h>

int main(int argc, char **argv)
{
    attn_model *model;
    if (argc != 2 || attn_check_version(ATTN_VERSION_NUMBER) != ATTN_OK ||
        attn_model_load(argv[1], NULL, &model) != ATTN_OK) {
        fprintf(stderr, "consumer: %s\n", attn_last_error());
        return 1;
    }
    printf("%s\n", attn_model_type(model));
    attn_model_free(model);
    return 0;
}
