// cmd_devices.c: `continuo devices`: the PortAudio output devices (index, host API,
// name, output channels, default rate); `--device` takes the index or a name substring.
#include <stdio.h>
#include <string.h>

#include "cli/cn_cli.h"
#include "host/cn_playback.h"
#include "engine/cn_sink.h"

int cn_cmd_devices(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: continuo devices\n"
               "Lists the audio output devices PortAudio finds: index, host API, name, maximum\n"
               "output channels and default sample rate; '*' marks the default output.\n"
               "Pass the index or part of the name to 'continuo play --device'.\n");
        return 0;
    }
    if (argc > 1) return cn_ui_usage_error("devices", "unexpected argument '%s'", argv[1]);
    if (cn_playback_pa_init_quiet()) return cn_ui_error("devices", NULL);
    int n = cn_pa_device_count(), shown = 0;
    for (int i = 0; i < n; i++) {
        cn_pa_device_info d;
        if (cn_pa_device_get(i, &d) || d.max_output_channels < 1) continue;
        if (!shown++) printf("  index  host api                    out ch  rate      name\n");
        printf("%c %5d  %-26s  %6d  %-8.0f  %s\n", d.is_default ? '*' : ' ', d.index,
               d.host_api, d.max_output_channels, d.default_rate, d.name);
    }
    cn_pa_terminate();
    if (!shown)
        return cn_ui_error("devices", "no audio output devices found (no sound card, and no "
                                       "JACK or PulseAudio server running)");
    return 0;
}
