# smf.sh: sourced (not run): write a one-track Standard MIDI File from the shell, byte by
# byte (scripts/make_chorale.sh, tests that need a MIDI file of their own).
#   . scripts/smf.sh; smf_begin; smf_event DELTA STATUS DATA...; ...; smf_write OUT.mid
# 480 ticks a beat (at the default 120 bpm, 960 ticks a second). Deltas < 2^14 ticks.
smf_bytes=""
smf_begin() { smf_bytes=""; }
smf_hex() { smf_bytes+=$(printf '\\x%02x' "$@"); }
smf_event() { # DELTA STATUS [DATA...]
  local d=$1
  shift
  if [ "$d" -ge 128 ]; then smf_hex $((0x80 | (d >> 7))) $((d & 0x7f)); else smf_hex "$d"; fi
  smf_hex "$@"
}
smf_write() { # OUT.mid: ends the track, writes to a temporary name and renames
  local out=$1 tmp="$1.tmp-$$" len
  smf_event 0 0xff 0x2f 0x00
  len=$(printf "$smf_bytes" | wc -c)
  {
    printf 'MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk'
    printf "$(printf '\\x%02x' $((len >> 24 & 255)) $((len >> 16 & 255)) $((len >> 8 & 255)) $((len & 255)))"
    printf "$smf_bytes"
  } >"$tmp" && mv "$tmp" "$out"
}
