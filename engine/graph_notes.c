// graph_notes.c: a note list played offline by one generator (cn_graph.h).
#include <stdlib.h>

#include "engine/cn_graph.h"

#define BLOCK 256

cn_status cn_graph_render_notes(const cn_plugin_desc *gen, const char *args, const cn_timed_note *notes, int n_notes,
                                double rate, int64_t n, float *out) {
    cn_note_event *ev = malloc((size_t)(n_notes ? 2 * n_notes : 1) * sizeof *ev);
    cn_graph *g = NULL;
    if (!ev) return cn_fail(CN_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n_notes; i++) {
        ev[2 * i] = (cn_note_event)CN_NOTE(notes[i].on, CN_EV_NOTE_ON, notes[i].pitch, notes[i].velocity);
        ev[2 * i + 1] = (cn_note_event)CN_NOTE(notes[i].off, CN_EV_NOTE_OFF, notes[i].pitch, 0);
    }
    cn_status st = cn_graph_create(rate, BLOCK, 1, &g);
    if (!st) st = cn_graph_set_generator(g, gen, args);
    if (!st) st = cn_graph_set_events(g, ev, 2 * n_notes);
    for (int64_t t = 0; !st && t < n; t += BLOCK) cn_graph_process(g, out + t, n - t < BLOCK ? (int)(n - t) : BLOCK);
    cn_graph_destroy(g);
    free(ev);
    return st;
}
