"""Recall@k as the RefExpEvaluator of MDETR and GLIP computes it, independently of the package.

Reads a JSON list of expressions ({"predictions": [{"box": [x0, y0, x1, y1], "score": s}], "truth":
[x, y, w, h]}) and writes, per expression, whether it is a hit at k = 1, 5, 10 and at GLIP's k = -1
(any prediction): the (score, box) tuples sorted in reverse, torch's float32 generalised IoU against
the COCO box converted to corners, a hit when max(giou[:k]) >= 0.5; an empty list or a degenerate box
(the evaluator's assertion, caught by its bare except) is a miss.

Usage: refexp_evaluator.py CASES.json OUT.json [giou|iou]
"""
import json
import sys

import torch


def box_area(boxes):
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def box_iou(boxes1, boxes2):
    area1 = box_area(boxes1)
    area2 = box_area(boxes2)
    lt = torch.max(boxes1[:, None, :2], boxes2[:, :2])
    rb = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    union = area1[:, None] + area2 - inter
    return inter / union, union


def generalized_box_iou(boxes1, boxes2):
    assert (boxes1[:, 2:] >= boxes1[:, :2]).all()
    assert (boxes2[:, 2:] >= boxes2[:, :2]).all()
    iou, union = box_iou(boxes1, boxes2)
    lt = torch.min(boxes1[:, None, :2], boxes2[:, :2])
    rb = torch.max(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = (rb - lt).clamp(min=0)
    area = wh[:, :, 0] * wh[:, :, 1]
    return iou - (area - union) / area


def plain_iou(boxes1, boxes2):
    assert (boxes1[:, 2:] >= boxes1[:, :2]).all()
    assert (boxes2[:, 2:] >= boxes2[:, :2]).all()
    return box_iou(boxes1, boxes2)[0]


def score(case, overlap, ks=(1, 5, 10, -1), thresh=0.5):
    scores = torch.tensor([p["score"] for p in case["predictions"]], dtype=torch.float32)
    boxes = torch.tensor([p["box"] for p in case["predictions"]], dtype=torch.float32).view(-1, 4)
    hits = {k: 0 for k in ks}
    try:
        ranked = sorted(zip(scores.tolist(), boxes.tolist()), reverse=True)
        _, sorted_boxes = zip(*ranked)
        sorted_boxes = torch.cat([torch.as_tensor(b).view(1, 4) for b in sorted_boxes])
        x, y, w, h = case["truth"]
        target = torch.as_tensor([x, y, w + x, h + y]).view(-1, 4)
        values = overlap(sorted_boxes, target)
        for k in ks:
            if (max(values) if k == -1 else max(values[:k])) >= thresh:
                hits[k] = 1
    except Exception:
        pass
    return [hits[k] for k in ks]


def main():
    cases = json.load(open(sys.argv[1]))
    overlap = plain_iou if len(sys.argv) > 3 and sys.argv[3] == "iou" else generalized_box_iou
    json.dump([score(case, overlap) for case in cases], open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
