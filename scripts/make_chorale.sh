#!/usr/bin/env bash
# make_chorale.sh OUT.mid: a short four-part chorale in D major (I IV V I vi ii V7 I, one
# chord a second, the last held two), written byte by byte as a Standard MIDI File: one
# track, four channels, each with its General MIDI program (flute, violin, trumpet, cello),
# pan and volume, so `continuo render` plays it as four instruments spread across the
# stereo field. The demo renders it (scripts/demo.sh); every part lies in G3..G5, the
# range the shipped WaveNet instruments were trained and level-calibrated on.
set -euo pipefail
out=${1:?usage: make_chorale.sh OUT.mid}
#            D  G  A  D  Bm Em A7 D
soprano=(74 79 76 78 74 79 76 74) # flute   (channel 1, program 73)
alto=(69 71 73 69 71 71 73 69)    # violin  (channel 2, program 40)
tenor=(66 62 64 66 66 67 67 66)   # trumpet (channel 3, program 56)
bass=(62 55 57 62 59 64 57 62)    # cello   (channel 4, program 42)
programs=(73 40 56 42)
pans=(96 40 80 24)
volumes=(100 90 80 100)
. "$(dirname "$0")/smf.sh"
smf_begin
for c in 0 1 2 3; do
  smf_event 0 $((0xc0 | c)) "${programs[c]}"
  smf_event 0 $((0xb0 | c)) 10 "${pans[c]}"
  smf_event 0 $((0xb0 | c)) 7 "${volumes[c]}"
done
# 480 ticks a beat at 120 bpm: a chord is 960 ticks (1 s), released 40 ticks early.
gap=0
for i in 0 1 2 3 4 5 6 7; do
  parts=("${soprano[i]}" "${alto[i]}" "${tenor[i]}" "${bass[i]}")
  len=920
  [ $i = 7 ] && len=1880
  for c in 0 1 2 3; do smf_event $gap $((0x90 | c)) "${parts[c]}" $((96 - 8 * c)); gap=0; done
  smf_event $len 0x80 "${parts[0]}" 0
  for c in 1 2 3; do smf_event 0 $((0x80 | c)) "${parts[c]}" 0; done
  gap=40
done
smf_write "$out"
