/* svg.c - an alignment matrix as an SVG heatmap, the picture of Bahdanau
 * et al. (2015): source tokens along the top, target tokens down the left,
 * each cell as dark as the target token's attention to the source token,
 * with a title and a colour scale. Plain SVG 1.1, viewable in a browser. */
#include <math.h>
#include <string.h>

#include "cli.h"

#define MARGIN 16.0
#define CELL 26.0        /* side of a cell */
#define FONT 12.0        /* label font size; the labels are monospace */
#define CHAR_WIDTH 7.3   /* a monospace character at FONT, roughly 0.6 em */
#define LINE 18.0        /* distance between the lines of the title block */
#define SCALE_WIDTH 14.0 /* the colour scale bar */

static const char caption[] =
    "source tokens across, target tokens down; darker: more attention";

/* The number of characters `s` shows: UTF-8 sequences, each bad byte one. */
static size_t shown_chars(const char *s)
{
    size_t chars = 0;
    for (size_t i = 0, n = strlen(s); i < n; chars++) {
        const size_t k = utf8_sequence_length(s + i, n - i);
        i += k ? k : 1;
    }
    return chars;
}

/* Writes `s` as XML character data: markup characters escaped, bytes that
 * are not UTF-8 and control characters (which XML 1.0 forbids) as '?'. */
static void put_xml_text(FILE *out, const char *s)
{
    for (size_t i = 0, n = strlen(s); i < n;) {
        const size_t k = utf8_sequence_length(s + i, n - i);
        const unsigned char c = (unsigned char)s[i];
        if (k == 0 || (c < 0x20 && c != '\t'))
            fputc('?', out);
        else if (c == '&')
            fputs("&amp;", out);
        else if (c == '<')
            fputs("&lt;", out);
        else if (c == '>')
            fputs("&gt;", out);
        else if (c == '"')
            fputs("&quot;", out);
        else if (c == '\'')
            fputs("&apos;", out);
        else
            fwrite(s + i, 1, k, out);
        i += k ? k : 1;
    }
}

/* The widest of `count` labels, in characters. */
static size_t widest(const char *const *labels, size_t count)
{
    size_t most = 0;
    for (size_t i = 0; i < count; i++) {
        const size_t n = shown_chars(labels[i]);
        most = n > most ? n : most;
    }
    return most;
}

/* Where everything goes, in pixels. */
typedef struct {
    double grid_x, grid_y;     /* top left of the cells */
    double grid_width, grid_height;
    double scale_x, scale_height;
    double width, height;
    bool vertical_columns;     /* source labels turned to read upwards */
} heatmap_layout;

static heatmap_layout layout_heatmap(const heatmap *h)
{
    heatmap_layout l;
    const double column_text = (double)widest(h->columns, h->column_count) * CHAR_WIDTH;
    const double row_text = (double)widest(h->rows, h->row_count) * CHAR_WIDTH;
    /* source labels go upright only when one would not fit across its cell */
    l.vertical_columns = column_text > CELL - 4;
    const double title_block = MARGIN + 4.5 * LINE;
    l.grid_x = MARGIN + row_text + 10;
    l.grid_y = title_block + (l.vertical_columns ? column_text : FONT) + 10;
    l.grid_width = (double)h->column_count * CELL;
    l.grid_height = (double)h->row_count * CELL;
    l.scale_x = l.grid_x + l.grid_width + 24;
    l.scale_height = l.grid_height > 100 ? l.grid_height : 100;
    const char *const lines[] = { h->title, h->source_text, h->target_text, caption };
    double text_width = 0;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        /* + 8: the "source: " before a text */
        const double w = (double)(shown_chars(lines[i]) + 8) * CHAR_WIDTH;
        text_width = w > text_width ? w : text_width;
    }
    l.width = l.scale_x + SCALE_WIDTH + 48 + MARGIN;
    if (MARGIN + text_width + MARGIN > l.width)
        l.width = MARGIN + text_width + MARGIN;
    l.height = l.grid_y + l.scale_height + MARGIN + LINE;
    return l;
}

/* The title and the two texts above the picture. */
static void put_title(FILE *out, const heatmap *h)
{
    fprintf(out, "<text x=\"%g\" y=\"%g\" font-family=\"sans-serif\" font-size=\"16\" "
            "font-weight=\"bold\">", MARGIN, MARGIN + LINE);
    put_xml_text(out, h->title);
    fputs("</text>\n", out);
    const char *const captions[] = { "source: ", "target: " };
    const char *const texts[] = { h->source_text, h->target_text };
    for (size_t i = 0; i < 2; i++) {
        fprintf(out, "<text x=\"%g\" y=\"%g\">%s", MARGIN, MARGIN + LINE * (double)(i + 2),
                captions[i]);
        put_xml_text(out, texts[i]);
        fputs("</text>\n", out);
    }
    fprintf(out, "<text x=\"%g\" y=\"%g\" fill=\"#555\">%s</text>\n", MARGIN,
            MARGIN + LINE * 4, caption);
}

static void put_labels(FILE *out, const heatmap *h, const heatmap_layout *l)
{
    for (size_t c = 0; c < h->column_count; c++) {
        const double x = l->grid_x + ((double)c + 0.5) * CELL;
        if (l->vertical_columns)
            fprintf(out, "<text transform=\"translate(%g %g) rotate(-90)\" "
                    "dominant-baseline=\"middle\">", x, l->grid_y - 6);
        else
            fprintf(out, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">", x,
                    l->grid_y - 6);
        put_xml_text(out, h->columns[c]);
        fputs("</text>\n", out);
    }
    for (size_t r = 0; r < h->row_count; r++) {
        fprintf(out, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\" dominant-baseline=\"middle\">",
                l->grid_x - 6, l->grid_y + ((double)r + 0.5) * CELL);
        put_xml_text(out, h->rows[r]);
        fputs("</text>\n", out);
    }
}

/* One cell per weight, grey from white (0) to black (1), with a tooltip. */
static void put_cells(FILE *out, const heatmap *h, const heatmap_layout *l)
{
    for (size_t r = 0; r < h->row_count; r++) {
        for (size_t c = 0; c < h->column_count; c++) {
            double w = h->weights[r * h->stride + c];
            w = isnan(w) || w < 0 ? 0 : w > 1 ? 1 : w;
            const int grey = (int)lround(255.0 * (1.0 - w));
            fprintf(out, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" "
                    "fill=\"rgb(%d,%d,%d)\"><title>", l->grid_x + (double)c * CELL,
                    l->grid_y + (double)r * CELL, CELL, CELL, grey, grey, grey);
            put_xml_text(out, h->rows[r]);
            fputs(" \xe2\x86\x92 ", out); /* U+2192 RIGHTWARDS ARROW */
            put_xml_text(out, h->columns[c]);
            fprintf(out, ": %.3f</title></rect>\n", w);
        }
    }
    fprintf(out, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
            "stroke=\"#888\"/>\n", l->grid_x, l->grid_y, l->grid_width, l->grid_height);
}

/* The colour scale: a bar from white (0) to black (1) with ticks. */
static void put_scale(FILE *out, const heatmap_layout *l)
{
    fprintf(out, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"url(#scale)\" "
            "stroke=\"#888\"/>\n", l->scale_x, l->grid_y, SCALE_WIDTH, l->scale_height);
    const double ticks[] = { 1.0, 0.5, 0.0 };
    for (size_t i = 0; i < sizeof ticks / sizeof ticks[0]; i++)
        fprintf(out, "<text x=\"%g\" y=\"%g\" dominant-baseline=\"middle\">%.1f</text>\n",
                l->scale_x + SCALE_WIDTH + 4,
                l->grid_y + (1.0 - ticks[i]) * l->scale_height, ticks[i]);
    fprintf(out, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">weight</text>\n",
            l->scale_x + SCALE_WIDTH / 2, l->grid_y + l->scale_height + LINE);
}

bool svg_write_heatmap(FILE *out, const heatmap *h)
{
    const heatmap_layout l = layout_heatmap(h);
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
            "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"monospace\" "
            "font-size=\"%g\">\n", ceil(l.width), ceil(l.height), ceil(l.width),
            ceil(l.height), FONT);
    fputs("<title>", out);
    put_xml_text(out, h->title);
    fputs("</title>\n"
          "<defs><linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
          "<stop offset=\"0\" stop-color=\"rgb(255,255,255)\"/>"
          "<stop offset=\"1\" stop-color=\"rgb(0,0,0)\"/></linearGradient></defs>\n"
          "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n", out);
    put_title(out, h);
    put_labels(out, h, &l);
    put_cells(out, h, &l);
    put_scale(out, &l);
    fputs("</svg>\n", out);
    return !ferror(out);
}
