#!/usr/bin/env bash
# render_training_audio.sh: reproducible WaveNet training data. For each instrument
# (NAME:GM_PROGRAM or NAME:GM_PROGRAM:TRANSPOSE, semitones) it writes, for the first N tunes (sorted by name) of the Nottingham
# train split, the first V of its valid split (checkpoint selection) and the first M of
# its test split (final scores only), NAME/TUNE.mid (the tune's monophonic
# notes with that General MIDI program, by `continuo train wavenet prepare`) and
# NAME/TUNE.wav (FluidSynth + fluid-soundfont-gm, reverb and chorus off, gain 1, mono
# 16-bit at the rate). FluidSynth's audio starts ~7 ms after the MIDI onset; `continuo
# train wavenet --lag 7` drops those frames so notes and audio line up. Same input -> same
# bytes (checked: two renders are identical); existing files are kept (a cache), and every
# file is written to a temporary name and renamed. Needs fluidsynth, fluid-soundfont-gm, sox.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${CN_CACHE:-$HOME/.cache/continuo}/wavenet-data
bin=$root/build/continuo
ntrain=30
ntest=5
nvalid=3
rate=48000
instruments="flute:73 violin:40 trumpet:56 clarinet:71 piano:0 guitar:24 cello:42:-12 horn:60:-12"
sf2=/usr/share/sounds/sf2/FluidR3_GM.sf2

usage() {
  cat <<USAGE
usage: scripts/render_training_audio.sh [-o DIR] [-b CONTINUO] [-n N] [-v V] [-t M] [-r HZ] [-i "name:prog ..."]
  -o DIR   output folder (default \$CN_CACHE or ~/.cache/continuo, + /wavenet-data);
           writes DIR/{train,valid,test}/NAME/*.{mid,wav}
  -b BIN   the continuo binary (default build/continuo)
  -n N     training tunes per instrument (default $ntrain), -v V validation tunes
           (default $nvalid), -t M test tunes (default $ntest)
  -r HZ    sample rate (default $rate)
  -i LIST  instruments as NAME:GM_PROGRAM[:TRANSPOSE] (default "$instruments"); TRANSPOSE
           moves the tunes and the chromatic run (e.g. cello:42:-12 plays an octave down)
USAGE
}
while getopts "o:b:n:v:t:r:i:h" opt; do
  case $opt in
    o) out=$OPTARG ;; b) bin=$OPTARG ;; n) ntrain=$OPTARG ;; v) nvalid=$OPTARG ;; t) ntest=$OPTARG ;;
    r) rate=$OPTARG ;; i) instruments=$OPTARG ;; h) usage; exit 0 ;; *) usage >&2; exit 2 ;;
  esac
done
for tool in fluidsynth sox; do
  command -v $tool >/dev/null || { echo "render_training_audio: $tool not found (apt-get install fluidsynth fluid-soundfont-gm sox)" >&2; exit 1; }
done
[[ -f $sf2 ]] || { echo "render_training_audio: $sf2 missing (apt-get install fluid-soundfont-gm)" >&2; exit 1; }
[[ -x $bin ]] || { echo "render_training_audio: $bin not built (cmake --build build)" >&2; exit 1; }

render_wav() { # MID WAV: FluidSynth, mono 16-bit at the rate, via temporary names
  local mid=$1 wav=$2
  fluidsynth -ni -q -R 0 -C 0 -g 1.0 -r "$rate" -O s16 -T wav -F "${wav%.wav}.st.tmp.wav" \
    "$sf2" "$mid" >/dev/null
  sox -R "${wav%.wav}.st.tmp.wav" -c 1 -b 16 "${wav%.wav}.tmp.wav" # -R: the same dither every time
  rm -f "${wav%.wav}.st.tmp.wav"
  mv "${wav%.wav}.tmp.wav" "$wav"
}

render_split() { # split count (0: none)
  local split=$1 count=$2 src=$root/data/melody/nottingham/$1
  [[ $count -gt 0 ]] || return 0
  local tunes
  tunes=$(cd "$src" && ls -- *.mid | LC_ALL=C sort | head -n "$count")
  for spec in $instruments; do
    local name prog transpose dir
    IFS=: read -r name prog transpose <<<"$spec"
    transpose=${transpose:-0}
    dir=$out/$split/$name
    mkdir -p "$dir"
    for tune in $tunes; do
      local base=${tune%.mid}
      [[ -f $dir/$base.wav && -f $dir/$base.mid ]] && continue
      "$bin" train wavenet prepare "$src/$tune" --program "$prog" --transpose "$transpose" -o "$dir/$base.mid"
      render_wav "$dir/$base.mid" "$dir/$base.wav"
    done
    echo "render_training_audio: $split/$name (program $prog): $(ls "$dir"/*.wav | wc -l) files in $dir"
  done
}
render_split train "$ntrain"
render_split valid "$nvalid"
render_split test "$ntest"
# Level calibration (`continuo train wavenet levels`): a chromatic run G3..G6 per instrument
# (0.8 s notes), a legato run (0.4 s notes without rests, up and down: the notes a voice
# carries on into) and a held run over the same range (every semitone, 4 s notes: how a
# note's level changes while held), moved with the instrument's transposition.
for spec in $instruments; do
  IFS=: read -r name prog transpose <<<"$spec"
  transpose=${transpose:-0}
  dir=$out/levels/$name
  mkdir -p "$dir"
  if ! [[ -f $dir/chromatic.wav && -f $dir/chromatic.mid ]]; then
    "$bin" train wavenet levels --score "$dir/chromatic.mid" --program "$prog" --low $((55 + transpose)) --high $((91 + transpose))
    render_wav "$dir/chromatic.mid" "$dir/chromatic.wav"
  fi
  if ! [[ -f $dir/legato.wav && -f $dir/legato.mid ]]; then
    "$bin" train wavenet levels --score "$dir/legato.mid" --program "$prog" --low $((55 + transpose)) --high $((91 + transpose)) \
      --hold 0.4 --legato
    render_wav "$dir/legato.mid" "$dir/legato.wav"
  fi
  if ! [[ -f $dir/held.wav && -f $dir/held.mid ]]; then
    "$bin" train wavenet levels --score "$dir/held.mid" --program "$prog" --low $((55 + transpose)) --high $((91 + transpose)) \
      --step 1 --hold 4
    render_wav "$dir/held.mid" "$dir/held.wav"
  fi
done
echo "render_training_audio: levels: chromatic, legato and held runs in $out/levels"
