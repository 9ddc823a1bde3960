#!/usr/bin/env bash
# finetune_demo.sh: fine-tune a melody model on part of a collection and score the held-out
# part before and after (bits per note, `continuo score`). The collection's files are
# sorted by name; every 5th (index % 5 == 0) is held out for scoring, index % 5 == 1 is the
# fine-tuning run's validation set (it keeps the best weights), the rest is fine-tuned on.
# A fair demo needs a model that never saw the collection: by default the model trained
# on nottingham/train only (see docs/melody.md), fine-tuned on O'Neill's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/continuo
model=
coll=$root/data/melody/oneills
steps=500
threads=2
work=${TMPDIR:-/tmp}/continuo-finetune

usage() {
  cat <<USAGE
usage: scripts/finetune_demo.sh -m MODEL [-c DIR] [-s STEPS] [-j THREADS] [-w WORKDIR] [-b CONTINUO]
  -m MODEL  melody model (.safetensors) to fine-tune (required)
  -c DIR    collection of .mid files (default data/melody/oneills)
  -s STEPS  fine-tuning steps (default $steps), -j threads (default $threads)
  -w DIR    work folder for the split and the fine-tuned model (default $work)
Prints bits/note of the held-out fifth: the adaptive n-gram alone, then before and after
fine-tuning the transformer + n-gram mixture (the default predictor) and the transformer
alone.
USAGE
}
while getopts "m:c:s:j:w:b:h" opt; do
  case $opt in
    m) model=$OPTARG ;; c) coll=$OPTARG ;; s) steps=$OPTARG ;; j) threads=$OPTARG ;;
    w) work=$OPTARG ;; b) bin=$OPTARG ;; h) usage; exit 0 ;; *) usage >&2; exit 2 ;;
  esac
done
[[ -n $model ]] || { usage >&2; exit 2; }
[[ -f $model ]] || { echo "finetune_demo: $model not found" >&2; exit 1; }
[[ -x $bin ]] || { echo "finetune_demo: $bin not built (cmake --build build)" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/train" "$work/valid" "$work/heldout"
i=0
while IFS= read -r f; do
  case $((i % 5)) in 0) d=heldout ;; 1) d=valid ;; *) d=train ;; esac
  ln -s "$coll/$f" "$work/$d/$f"
  i=$((i + 1))
done < <(cd "$coll" && ls -- *.mid | LC_ALL=C sort)
echo "finetune_demo: $(ls "$work/train" | wc -l) tunes to fine-tune on, $(ls "$work/valid" | wc -l)" \
     "to validate, $(ls "$work/heldout" | wc -l) held out"

score() { # label model
  local mix tf
  mix=$("$bin" score --model "$2" "$work/heldout" | tail -1)
  tf=$("$bin" score --model "$2" --transformer-only "$work/heldout" | tail -1)
  echo "finetune_demo: $1: mixture: $mix | transformer alone: $tf"
}
echo "finetune_demo: adaptive n-gram alone (baseline): $("$bin" score --ngram-only "$work/heldout" | tail -1)"
score before "$model"
start=$(date +%s)
"$bin" train melody --init "$model" --data "$work/train" --valid "$work/valid" --steps "$steps" \
  --threads "$threads" --eval-every 50 --ckpt-every 50 --quiet -o "$work/finetuned.safetensors"
echo "finetune_demo: fine-tuning took $(( $(date +%s) - start )) s ($steps steps, $threads threads)"
score after "$work/finetuned.safetensors"
