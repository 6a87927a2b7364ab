"""Labeled CSV rows and ranking metrics, Python standard library only, read and computed as
moderate does (src/io/dataset.rs, src/eval/metrics.rs). Shared by compare.py, loso_sklearn.py and
loso_table.py."""
import csv


def parse_label(v):
    v = v.strip().lower()
    if v in ("1", "true"):
        return 1
    if v in ("0", "false"):
        return 0
    return None


def read_rows(path, labels, renames):
    """Rows of one training file: (text, {label: 0/1/None}), columns renamed as moderate does."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader)
        columns = {}
        for i, h in enumerate(header):
            if h in renames and renames[h] in labels:
                columns[renames[h]] = i
        for i, h in enumerate(header):
            if h in labels and h not in columns:
                columns[h] = i
        text_idx = header.index("text")
        rows = []
        for rec in reader:
            rows.append((rec[text_idx], {l: parse_label(rec[i]) for l, i in columns.items()}))
        return rows


def negative_weight(pos, neg, base_rate):
    """Weight for each negative so that positives make up base_rate of the weighted sample."""
    if pos == 0 or neg == 0 or not 0 < base_rate < 1:
        return 1.0
    return (1 - base_rate) / base_rate * pos / neg


def roc_auc(scores, labels):
    """Probability that a random positive outranks a random negative (ties count one half)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    n_pos = sum(1 for y in labels if y)
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    rank_sum, i = 0.0, 0
    while i < len(order):
        j = i
        while j < len(order) and scores[order[j]] == scores[order[i]]:
            j += 1
        mid = (i + j + 1) / 2
        rank_sum += mid * sum(1 for k in order[i:j] if labels[k])
        i = j
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def average_precision(scores, labels, neg_weight=1.0):
    """Step-wise area under the precision-recall curve (scikit-learn's average_precision_score)
    with every negative counted neg_weight times."""
    n_pos = sum(1 for y in labels if y)
    if n_pos == 0:
        return None
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    tp = fp = ap = last_recall = 0.0
    i = 0
    while i < len(order):
        j = i
        while j < len(order) and scores[order[j]] == scores[order[i]]:
            if labels[order[j]]:
                tp += 1
            else:
                fp += neg_weight
            j += 1
        recall = tp / n_pos
        precision = tp / (tp + fp) if tp + fp > 0 else 0.0
        ap += (recall - last_recall) * precision
        last_recall = recall
        i = j
    return ap
