// cn_lv2_instrument: continuo's synths as an LV2 instrument (the bundle continuo.lv2,
// docs/lv2.md "Instrument"). Ports, in index order, as continuo.ttl declares them.
#ifndef CN_LV2_INSTRUMENT_H
#define CN_LV2_INSTRUMENT_H

#define CN_LV2I_URI "urn:continuo:instrument"

enum {
    CN_LV2I_MIDI_IN = 0,  // atom:Sequence of midi:MidiEvent
    CN_LV2I_OUT_L,        // audio out, left
    CN_LV2I_OUT_R,        // audio out, right
    CN_LV2I_INSTRUMENT,   // 0 flute, 1 violin, 2 trumpet, 3 by GM program (16 kHz WaveNet); 4 sine,
                          // 5 triangle, 6 saw, 7 square (reference synth); 8 clarinet, 9 piano,
                          // 10 guitar, 11 cello, 12 horn, 13 by GM program (48 kHz WaveNet,
                          // wavenet-gm8-48k's own eight); 14 by GM program among the GM
                          // presets' models (as render --synth wavenet: each program its
                          // preset's); 15 flute, 16 violin, 17 trumpet (48 kHz WaveNet). New instruments are appended: hosts save the number.
    CN_LV2I_TEMPERATURE,  // WaveNet sampling temperature 0..2
    CN_LV2I_GAIN,         // output gain, dB (-40..12)
    CN_LV2I_FREEWHEEL,    // lv2:freeWheeling: 1 while the host renders faster than real time (export)
    CN_LV2I_BUDGET,       // live: share of real time the WaveNet's voices may take (0.05..1)
    CN_LV2I_N_PORTS
};

#define CN_LV2I_N_INSTRUMENTS 18

#endif
