# LABELS: unit
# TIMEOUT: 180
# test_train_wavenet.sh: `continuo train wavenet` end to end on a tiny model and audio the
# reference synth renders: --help, usage errors (exit 2), bad folders and files (exit 1,
# one line naming them), training with validation scoring and --best, --resume, export,
# fine-tuning a new instrument with --init, rendering with the result, and no temporary
# files left.
set -u
B="$CN_BIN"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
one_line() { [ "$(echo "$1" | wc -l)" -eq 1 ] || fail "error is not one line: $1"; }

"$B" train wavenet --help | grep -q -- "--best" || fail "--help"
"$B" train wavenet --data x >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing -o should be a usage error"
"$B" train wavenet --data x -o y --steps abc >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad --steps"
"$B" train wavenet --data x -o y --best z >/dev/null 2>&1; [ $? -eq 2 ] || fail "--best without --eval"
"$B" train wavenet --data x -o y --head logistic >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad --head"
"$B" train wavenet --data x -o y --head gauss --init z >/dev/null 2>&1; [ $? -eq 2 ] || fail "--head with --init"
err=$("$B" train wavenet --data "$T/none" -o "$T/m.safetensors" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "missing folder exit $rc"
one_line "$err"
echo "$err" | grep -q "$T/none" || fail "error does not name the folder: $err"

# Data: two short tunes per split, rendered at 16 kHz by the reference synth.
src="$CN_SOURCE_DIR/data/melody/nottingham"
mkdir -p "$T/train/sine" "$T/valid/sine" "$T/new/saw"
i=0
for f in $(ls "$src/train"/*.mid | head -2) $(ls "$src/valid"/*.mid | head -1); do
    i=$((i + 1))
    case $i in 3) d="$T/valid/sine" ;; *) d="$T/train/sine" ;; esac
    "$B" train wavenet prepare "$f" --program 73 -o "$d/t$i.mid" || fail "prepare $f"
    "$B" render "$d/t$i.mid" -o "$d/t$i.wav" --synth reference --rate 16000 2>/dev/null || fail "render $f"
done
cp "$T/train/sine/t1.mid" "$T/new/saw/"

# prepare --transpose moves every note (the low instruments' tunes an octave down).
f=$(ls "$src/train"/*.mid | head -1)
"$B" train wavenet prepare "$f" --program 42 --transpose -12 -o "$T/low.mid" || fail "prepare --transpose"
"$B" train wavenet prepare "$f" --program 42 -o "$T/same.mid" || fail "prepare"
# Same file but for the pitch bytes of note-ons and note-offs, each exactly 12 lower.
[ "$(stat -c %s "$T/same.mid")" = "$(stat -c %s "$T/low.mid")" ] || fail "transposed file has another size"
cmp -l "$T/same.mid" "$T/low.mid" | awk 'function oct(s,  v, i) { for (i = 1; i <= length(s); i++) v = v * 8 + substr(s, i, 1); return v }
    { n++; if (oct($2) - oct($3) != 12) bad++ } END { exit !(n >= 20 && !bad) }' || fail "transposed notes are not all 12 semitones lower"
"$B" train wavenet prepare "$f" --program 42 --transpose 48 -o "$T/up.mid" || fail "prepare up 4 octaves"
err=$("$B" train wavenet prepare "$T/up.mid" --program 42 --transpose 48 -o "$T/x.mid" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "transposing out of the MIDI range: exit $rc"
one_line "$err"
echo "$err" | grep -q "MIDI range" || fail "error does not say why: $err"
[ ! -e "$T/x.mid" ] || fail "a file was written for a failed prepare"
"$B" train wavenet prepare "$f" --program 42 --transpose 99 -o "$T/x.mid" >/dev/null 2>&1
[ $? -eq 2 ] || fail "--transpose 99 should be a usage error"
"$B" render "$T/new/saw/t1.mid" -o "$T/new/saw/t1.wav" --rate 16000 --instrument saw 2>/dev/null \
    || fail "render saw"

TINY="--layers 3 --cycle 3 --res 8 --gate 8 --skip 8 --emb 2 --chunk 600 --warm 64 --batch 2 --threads 2"
"$B" train wavenet --data "$T/train/sine" --eval "$T/valid/sine" --best "$T/best.safetensors" $TINY \
    --steps 4 --ckpt-every 2 --warmup 1 -o "$T/m.ckpt" 2>"$T/log" || { cat "$T/log"; fail "training"; }
grep -q "samples/s" "$T/log" || fail "no progress line"
grep -Eq "eval step 2: pitch accuracy [0-9.]+, MR-STFT [0-9.]+, (in tune|out of tune: sine [0-9]+% of the recordings' pitch accuracy); notes swelling: (none|sine [0-9]+/[0-9]+ \(worst [-+][0-9.]+ dB\)) \(.*sine/t3.wav [0-9.]+/[0-9.]+" "$T/log" \
    || { cat "$T/log"; fail "no validation line"; }
grep -Eq "best so far \(pitch accuracy [0-9.]+, MR-STFT [0-9.]+, (in tune|none in tune yet)\)" "$T/log" \
    || { cat "$T/log"; fail "no best checkpoint exported"; }
[ -s "$T/m.ckpt" ] && [ -s "$T/best.safetensors" ] || fail "outputs missing"
"$B" train wavenet --data "$T/train/sine" --eval "$T/valid/sine" --best "$T/best.safetensors" $TINY \
    --steps 6 --ckpt-every 2 --resume "$T/m.ckpt" -o "$T/m.ckpt" 2>"$T/log" || { cat "$T/log"; fail "resume"; }
grep -q "step 6/6" "$T/log" || fail "resume did not reach step 6"
grep -q "eval step 0:" "$T/log" || fail "resume did not re-score the best file"
# --stop-at: one checkpoint of a longer run; resumed, it ends where the whole run does.
"$B" train wavenet --data "$T/train/sine" $TINY --steps 6 --warmup 1 --ckpt-every 3 -o "$T/whole.ckpt" 2>/dev/null \
    || fail "training 6 steps"
"$B" train wavenet --data "$T/train/sine" $TINY --steps 6 --warmup 1 --ckpt-every 3 --stop-at 4 \
    -o "$T/part.ckpt" 2>"$T/log" || { cat "$T/log"; fail "--stop-at"; }
grep -q "step 4: checkpoint" "$T/log" && ! grep -q "step [56]" "$T/log" \
    || { cat "$T/log"; fail "--stop-at 4 did not stop at step 4 with a checkpoint"; }
"$B" train wavenet --data "$T/train/sine" $TINY --steps 6 --warmup 1 --ckpt-every 3 --resume "$T/part.ckpt" \
    -o "$T/part.ckpt" 2>/dev/null || fail "resume after --stop-at"
mkdir "$T/w" "$T/p" && mv "$T/whole.ckpt" "$T/w/run.ckpt" && mv "$T/part.ckpt" "$T/p/run.ckpt" # same provenance
(cd "$T/w" && "$B" train wavenet export run.ckpt -o run.safetensors) && (cd "$T/p" && "$B" train wavenet export run.ckpt \
    -o run.safetensors) || fail "export"
cmp -s "$T/w/run.safetensors" "$T/p/run.safetensors" || fail "stopped at 4 and resumed differs from the whole run"
# The export keeps the step and says how the run was trained.
head -c 4096 "$T/w/run.safetensors" | grep -aq '"step":"6","provenance":"continuo train wavenet: batch 2 chunk 600 .*; continuo train wavenet export: step 6 of run.ckpt"' \
    || fail "export lost the step or the training provenance: $(head -c 1000 "$T/w/run.safetensors" | tr -cd '[:print:]')"
"$B" train wavenet --data x -o y --steps 6 --stop-at 7 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--stop-at past --steps"
"$B" train wavenet export "$T/m.ckpt" -o "$T/m.safetensors" || fail "export"
[ "$(stat -c %s "$T/m.safetensors")" -lt "$(stat -c %s "$T/m.ckpt")" ] || fail "export kept the optimizer state"
# A checkpoint plays as its exported model does; any other large file is not a preset.
for f in m.ckpt m.safetensors; do
    "$B" render "$T/train/sine/t1.mid" -o "$T/$f.wav" --synth wavenet --preset "$T/$f" --instrument sine \
        --rate 16000 2>"$T/log" || { cat "$T/log"; fail "render with --preset $f"; }
done
cmp -s "$T/m.ckpt.wav" "$T/m.safetensors.wav" || fail "the checkpoint and its export play differently"
cp "$T/m.ckpt" "$T/m.bin"
err=$("$B" render "$T/train/sine/t1.mid" -o "$T/x.wav" --synth wavenet --preset "$T/m.bin" 2>&1); rc=$?
[ $rc -ne 0 ] || fail "a binary file was taken as a preset"
one_line "$err"
echo "$err" | grep -q "not a JSON preset.*safetensors" || fail "error does not say what a preset is: $err"
[ ! -e "$T/x.wav" ] || fail "a file was written for a failed render"

# The Gaussian head: trains (feeding back its own samples), validates, and its model
# renders through the plugin.
"$B" train wavenet --data "$T/train/sine" -o "$T/x" --self-feed 1.5 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--self-feed 1.5 should be a usage error"
"$B" train wavenet --data "$T/train/sine" -o "$T/x" --harmonic-cut 1.5 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--harmonic-cut 1.5 should be a usage error"
err=$("$B" train wavenet --data "$T/train/sine" $TINY --steps 1 --harmonic-loss 1 -o "$T/hl.safetensors" 2>&1)
[ $? -ne 0 ] || fail "--harmonic-loss trained a mu-law model"
one_line "$err"
echo "$err" | grep -q "head gauss" || fail "error does not say --harmonic-loss needs the Gaussian head: $err"
[ ! -e "$T/hl.safetensors" ] || fail "a model was written for a refused run"
err=$("$B" train wavenet --data "$T/train/sine" $TINY --steps 1 --free-run 1 -o "$T/hl.safetensors" 2>&1)
[ $? -ne 0 ] || fail "--free-run trained a mu-law model"
one_line "$err"
echo "$err" | grep -q "free-run needs a model with the Gaussian head" || fail "error does not say --free-run needs the Gaussian head: $err"
[ ! -e "$T/hl.safetensors" ] || fail "a model was written for a refused run"
err=$("$B" train wavenet --data "$T/train/sine" $TINY --steps 1 --free-run-spectrum 1 -o "$T/hl.safetensors" 2>&1)
[ $? -ne 0 ] || fail "--free-run-spectrum trained a mu-law model"
one_line "$err"
echo "$err" | grep -q "free-run-spectrum needs a model with the Gaussian head" || fail "error does not say --free-run-spectrum needs the Gaussian head: $err"
[ ! -e "$T/hl.safetensors" ] || fail "a model was written for a refused run"
"$B" train wavenet --data "$T/train/sine" --eval "$T/valid/sine" $TINY --head gauss --steps 2 --ckpt-every 2 \
    --warmup 1 --self-feed 0.5 --self-feed-passes 2 --harmonic-noise 0.3 --harmonic-cut 0.5 --harmonic-loss 0.5 \
    --free-run 0.5 --free-run-spectrum 0.25 --free-run-passes 2 -o "$T/g.safetensors" 2>"$T/log" \
    || { cat "$T/log"; fail "training the Gaussian head"; }
grep -q "eval step 2: pitch accuracy" "$T/log" || { cat "$T/log"; fail "no validation of the Gaussian head"; }
grep -q "step 2/2 .*free-run loss .*spectrum [0-9]" "$T/log" || { cat "$T/log"; fail "the progress lines lack the free-run losses"; }
grep -aq "harmonic noise 0.3 harmonic cut 0.5 harmonic loss 0.5 free run 0.5 spectrum 0.25 x2 self-feed 0.5 x2" "$T/g.safetensors" || fail "the model's provenance lacks its input options"
# --free-run-skip: the named instruments' chunks play no free run (here the only one: both
# losses stay 0), and a name the model lacks is one error line, with no file left.
"$B" train wavenet --data "$T/train/sine" $TINY --head gauss --steps 2 --warmup 1 --free-run 0.5 \
    --free-run-spectrum 0.25 --free-run-passes 1 --free-run-skip sine -o "$T/skip.safetensors" 2>"$T/log" \
    || { cat "$T/log"; fail "training with --free-run-skip"; }
grep -q "step 2/2 .*free-run loss 0.0000 (avg 0.0000), spectrum 0.000 (avg 0.000)" "$T/log" ||
    { cat "$T/log"; fail "a skipped instrument played the free run"; }
grep -aq "free run 0.5 spectrum 0.25 x1 but sine self-feed" "$T/skip.safetensors" || fail "the provenance lacks --free-run-skip"
err=$("$B" train wavenet --data "$T/train/sine" $TINY --head gauss --steps 1 --free-run 1 --free-run-skip sine,oboe \
    -o "$T/skip2.safetensors" 2>&1)
[ $? -ne 0 ] || fail "--free-run-skip accepted an instrument the model lacks"
one_line "$err"
echo "$err" | grep -q "free-run-skip: the model has no instrument 'oboe'" || fail "unclear --free-run-skip error: $err"
[ ! -e "$T/skip2.safetensors" ] || fail "a model was written for a refused run"
# --free-run-boost: an instrument's balance loss weighs F x --free-run, so 0.5 boosted 2x
# trains the weights of --free-run 1 (renders equal sample for sample) and not those of 0.5
# (chunks of 2,600 samples: the balance loss needs a held note's 1,024-sample blocks).
for v in "1" "0.5 --free-run-boost sine=2" "0.5"; do
    n=$(echo "$v" | tr -dc '0-9')
    "$B" train wavenet --data "$T/train/sine" $TINY --chunk 2600 --head gauss --steps 2 --warmup 1 --free-run $v \
        --free-run-passes 1 -o "$T/boost$n.safetensors" 2>"$T/log" || { cat "$T/log"; fail "training with --free-run $v"; }
    "$B" render "$T/train/sine/t1.mid" -o "$T/boost$n.wav" --synth wavenet --preset "$T/boost$n.safetensors" \
        --instrument sine --rate 16000 2>"$T/log" || { cat "$T/log"; fail "render of --free-run $v"; }
done
cmp -s "$T/boost1.wav" "$T/boost052.wav" || fail "--free-run 0.5 --free-run-boost sine=2 differs from --free-run 1"
cmp -s "$T/boost1.wav" "$T/boost05.wav" && fail "--free-run 0.5 and 1 trained the same weights"
grep -aq "x1 boost sine=2 self-feed" "$T/boost052.safetensors" || fail "the provenance lacks --free-run-boost"
for bad in "sine=2,oboe=1:no instrument 'oboe'" "sine:'sine' is not NAME=F" "sine=x:factor 'x' is not a number" \
           "sine=-1:factor '-1' is not a number"; do
    err=$("$B" train wavenet --data "$T/train/sine" $TINY --head gauss --steps 1 --free-run 1 \
        --free-run-boost "${bad%%:*}" -o "$T/boostbad.safetensors" 2>&1)
    [ $? -ne 0 ] || fail "--free-run-boost ${bad%%:*} was accepted"
    one_line "$err"
    echo "$err" | grep -q "free-run-boost: .*${bad#*:}" || fail "unclear --free-run-boost error: $err"
    [ ! -e "$T/boostbad.safetensors" ] || fail "a model was written for a refused run"
done
"$B" render "$T/train/sine/t1.mid" -o "$T/g.wav" --synth wavenet --preset "$T/g.safetensors" \
    --instrument sine --rate 16000 2>"$T/log" || { cat "$T/log"; fail "render with the Gaussian head"; }
[ -s "$T/g.wav" ] || fail "no audio from the Gaussian head"

# Averaging checkpoints: the mean of a model with itself plays exactly as the model; models
# of different heads do not average.
"$B" train wavenet export "$T/m.ckpt" "$T/m.ckpt" -o "$T/avg.safetensors" || fail "export of two checkpoints"
for f in m avg; do
    "$B" render "$T/train/sine/t1.mid" -o "$T/$f.wav" --synth wavenet --preset "$T/$f.safetensors" \
        --instrument sine --rate 16000 2>/dev/null || fail "render $f"
done
cmp -s "$T/m.wav" "$T/avg.wav" || fail "the mean of a model with itself plays differently"
err=$("$B" train wavenet export "$T/m.ckpt" "$T/g.safetensors" -o "$T/bad.safetensors" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "averaging two heads: exit $rc"
one_line "$err"
echo "$err" | grep -q "differ in architecture, head or rate" || fail "averaging two heads: $err"
[ ! -e "$T/bad.safetensors" ] || fail "a failed average left a file"

# Fine-tune on a new instrument; the model grows an embedding and renders it.
"$B" train wavenet --data "$T/new/saw" --init "$T/m.safetensors" --steps 2 --chunk 600 --warm 64 \
    --batch 2 -o "$T/ft.safetensors" 2>"$T/log" || { cat "$T/log"; fail "fine-tune"; }
grep -q "2 instrument(s)" "$T/log" || fail "fine-tune did not add the instrument"
"$B" render "$T/train/sine/t1.mid" -o "$T/out.wav" --synth wavenet \
    --preset "$T/ft.safetensors" --instrument saw --rate 16000 2>"$T/log" || {
    cat "$T/log"; fail "render with the fine-tuned model"; }
[ -s "$T/out.wav" ] || fail "no audio rendered"
# export --instruments keeps some instruments: saw renders the same, sine is gone.
"$B" train wavenet export "$T/ft.safetensors" -o "$T/saw.safetensors" --instruments saw || fail "export --instruments"
"$B" render "$T/train/sine/t1.mid" -o "$T/out-saw.wav" --synth wavenet --preset "$T/saw.safetensors" \
    --instrument saw --rate 16000 2>/dev/null || fail "render with the kept instrument"
cmp -s "$T/out.wav" "$T/out-saw.wav" || fail "the kept instrument sounds different"
err=$("$B" render "$T/train/sine/t1.mid" -o "$T/x.wav" --synth wavenet --preset "$T/saw.safetensors" \
    --instrument sine --rate 16000 2>&1); [ $? -eq 1 ] || fail "a dropped instrument still renders"
echo "$err" | grep -q "sine" || fail "error does not name the instrument: $err"
err=$("$B" train wavenet export "$T/ft.safetensors" -o "$T/x.safetensors" --instruments tuba 2>&1); rc=$?
[ $rc -eq 1 ] || fail "exporting an unknown instrument: exit $rc"
one_line "$err"
[ ! -e "$T/x.safetensors" ] || fail "a file was written for a failed export"

# Corrupt and foreign files: one line, exit 1, naming the file.
head -c 1000 "$T/m.safetensors" > "$T/cut.safetensors"
err=$("$B" train wavenet --data "$T/train/sine" --init "$T/cut.safetensors" -o "$T/x" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "truncated model exit $rc"
one_line "$err"
echo "$err" | grep -q "cut.safetensors" || fail "error does not name the file: $err"
err=$("$B" train wavenet --data "$T/train/sine" --init "$CN_SOURCE_DIR/presets/melody-folk.safetensors" \
    -o "$T/x" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "melody model as wavenet exit $rc"
one_line "$err"
[ -z "$(find "$T" -mindepth 1 -name "*tmp*")" ] || fail "temporary file left: $(find "$T" -mindepth 1 -name "*tmp*")"
echo "test_train_wavenet: ok"
