"""Topic classifier: one of the 7 first-level government categories of a citizen message.

A linear model over hashed content words, word bigrams and char 1-3 grams, plus a separate title block
(topic_doc_features), trained by yuqing.nlp.train.topic.train_topic: a linear SVM and an NB-SVM, margins averaged
(one table, so inference is one lookup), fitted on the training part of the labelled messages (the
held-out part stays unseen for evaluation and routing figures). Files trained before issue 15 (no
``topic_features`` in their meta) keep the previous feature function. Held-out figures: nlp/data/MODELS.md.

Calibration and abstention (issue 15): the raw scores are turned into probabilities by temperature scaling
fitted on out-of-fold scores of the training part's labelled messages (never on the held-out part) and stored
beside the weights (``topic.calibration.json`` next to
``topic.npz``; ``yuqing.nlp.train.calibrate`` refits it), so retraining the weights never silently changes the
calibration format and refitting the calibration never touches the weights. ``TopicModel.classify`` answers
「其他」 when the calibrated top probability is below the floor stored with the calibration, or when the text is
an official document (a notice, a work report) rather than a citizen's matter: the 7 labels are categories of
citizen messages, and forcing a policy notice into one of them is how notices reached 人社/教育 at 0.25–0.41.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from yuqing.nlp.linear import _PLACE_RE, LinearModel, hashed_ngrams, load_cached, topic_features
from yuqing.nlp.segment import get_segmenter
from yuqing.nlp.wordlists import DATA_DIR

DEFAULT_PATH = DATA_DIR / "topic.npz"
CATEGORIES = ("城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "环境保护", "卫生计生", "交通运输")
OTHER = "其他"  # the abstaining outcome: no category is likely enough, or the text is not a citizen's matter

log = logging.getLogger(__name__)


def calibration_path(model_path: str | Path | None) -> Path:
    """Where the calibration of the model at ``model_path`` lives: ``<name>.calibration.json`` beside it."""
    path = Path(model_path) if model_path else DEFAULT_PATH
    return path.with_name(path.stem + ".calibration.json")


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class Calibration:
    """Temperature scaling of the model's raw scores plus the abstention floor.

    p = softmax(decision / temperature). ``floor``: below this calibrated top probability the outcome is 「其他」.
    ``model_sha256`` names the weights it was fitted for; a mismatch (weights retrained, calibration not refitted)
    is logged and the calibration still used — refit with ``python -m yuqing.nlp.train.calibrate``.
    """

    temperature: float = 1.0
    floor: float = 0.0
    classes: list[str] = field(default_factory=list)
    model_sha256: str | None = None
    provenance: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> "Calibration":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            cal = cls(temperature=float(data["temperature"]), floor=float(data["floor"]),
                      classes=[str(c) for c in data.get("classes") or []], model_sha256=data.get("model_sha256"),
                      provenance=dict(data.get("provenance") or {}))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"主题模型校准文件 {path} 无法读取：{exc}") from exc
        if not cal.temperature > 0 or not 0 <= cal.floor < 1:
            raise ValueError(f"主题模型校准文件 {path} 不合理：temperature 应大于 0，floor 应在 0–1 之间")
        return cal

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def softmax(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood of ``labels`` (class indices) under
    softmax(scores / T): a golden-section search over log T in [0.05, 20] (the NLL is unimodal in T)."""
    scores = np.asarray(scores, dtype=np.float64)
    rows = np.arange(len(labels))

    def nll(log_t: float) -> float:
        z = scores / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        return float(-(z[rows, labels] - np.log(np.exp(z).sum(axis=1))).mean())

    lo, hi = np.log(0.05), np.log(20.0)
    g = (np.sqrt(5) - 1) / 2
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = nll(a), nll(b)
    for _ in range(80):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = nll(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = nll(b)
    return float(np.exp((lo + hi) / 2))


# --- official documents are not citizen matters ------------------------------------------------------------------
# Markers of a government document / work report / notice (title forms, 文号, 索引号, addressee lines, press wording)
# and of a citizen writing (first person, asking, complaining). A text with official markers and no citizen voice
# is not one of the 7 message categories, whatever the linear model says. News reports are not on the list: a
# newspaper's report of a problem is a matter for a department like a citizen's post.
_OFFICIAL_MARKERS = (
    ("标题为“关于……的通知/公告/意见”", re.compile(r"关于[^。\n]{2,60}的[^。\n]{0,4}?(?:通知|公告|通告|意见|决定|批复|通报|方案|办法|规定|函|报告|实施细则)")),
    ("印发/转发文件", re.compile(r"(?:印发|转发)[^。\n]{0,40}(?:通知|方案|办法|意见|规定|细则|《)")),
    ("文号", re.compile(r"[〔\[［(（]\s*(?:19|20)\d\d\s*[〕\]］)）]\s*\d+\s*号")),
    ("索引号/发文字号", re.compile(r"索引号|发文字号|发文机关|主题分类|成文日期|发布机构")),
    ("主送机关", re.compile(r"各(?:区|县|市|乡镇)[^。\n]{0,12}(?:人民政府|委|局|办)[、，,]")),
    ("工作动态/专项行动", re.compile(r"(?:开展|部署|启动|召开)[^。\n]{0,30}(?:专项行动|专项整治|工作会议|动员会|推进会|座谈会|培训会)")),
    ("工作动态", re.compile(r"(?:考察|调研|视察|陪同|座谈|推介会|贯彻落实|宣传活动|正式启动|签署[^。\n]{0,10}协议)"
                        r"|下一步，?我(?:省|市|区|县)")),
    ("会议/审议", re.compile(r"常务会议|研究审议|审议通过|会议强调|会议要求|会议指出")),
    ("办事指南", re.compile(r"申请人(?:应当|须|需)|办理时限|受理之日起|办理流程|申报材料")),
    ("发布安排", re.compile(r"发布[^。\n]{0,30}(?:方案|安排|通知|公告|通告|办法|规划)")),
    ("政策发布", re.compile(r"(?:现将|特此)(?:有关事项)?(?:通知|公告|通告)如下|特此(?:通知|公告|通告)|现予(?:公布|公告)")),
)
_CITIZEN_VOICE = re.compile(
    r"我们|我家|我[是在的们要想已]|本人|请问|恳请|希望(?:政府|领导|有关)|尊敬的|领导您?好|盼回复|投诉|举报|反映|求助|谢谢"
    r"|[？?]|呼吁|反对|质疑|为何|为什么|请求|怎么办|咨询|建议(?:政府|相关|有关|市|省|区|县)")


def official_notice_signals(text: str) -> list[str]:
    """Names of the official-document markers in ``text`` when it reads as a government document, notice or news
    report with no citizen voice (no first person, no request, no complaint); [] otherwise."""
    if not text:
        return []
    found = [name for name, rx in _OFFICIAL_MARKERS if rx.search(text)]
    if not found:
        return []
    voice = len(_CITIZEN_VOICE.findall(text))
    # A citizen may quote a notice; a notice itself rarely says 我 / 请问 / 投诉. Two or more official markers
    # outweigh one stray citizen word (「举报电话」 inside a notice), never a letter full of them.
    if voice == 0 or (len(found) >= 2 and voice <= 1):
        return found
    return []



def load_taxonomy(path: str | Path) -> list[str]:
    """First-level category names from taxonomy.csv (column 一级分类), in file order, unique."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"找不到分类体系文件：{path}")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "一级分类" not in reader.fieldnames:
            raise ValueError(f"{path} 缺少“一级分类”列")
        names: list[str] = []
        for row in reader:
            name = (row.get("一级分类") or "").strip()
            if name and name not in names:
                names.append(name)
    return names


# --- features (issue 15) -----------------------------------------------------------------------------
# Content words and word bigrams, char 1-3 grams of the joined content words, plus a separate TITLE
# block: the same n-grams of the title's content words, moved to other buckets by a fixed bijection of
# the bucket ids (multiply by an odd number, add a constant, modulo the bucket count), so 「停水」 in
# the title and 「停水」 in the body are different features. Where no title is known (token-only rows,
# documents without a title) the first TITLE_FALLBACK_WORDS content words stand in for it.
TITLE_FALLBACK_WORDS = 8
_TITLE_MUL = 0x9E3779B1  # odd
_TITLE_ADD = 0x7F4A7C15


def _content(tokens: list[str]) -> list[str]:
    return [t for t in tokens if _PLACE_RE.match(t) is None]


def topic_doc_features(content_tokens: list[str], title_tokens: list[str] | None = None, bits: int = 20,
                       char_lo: int = 1, char_hi: int = 3) -> np.ndarray:
    """Bucket ids of a document for the issue-15 topic model: body block + title block."""
    body = _content(content_tokens)
    title = _content(title_tokens) if title_tokens is not None else body[:TITLE_FALLBACK_WORDS]
    ids = hashed_ngrams(body, char_lo, char_hi, bits)
    if not title:
        return ids
    mask = (1 << bits) - 1
    t = hashed_ngrams(title, char_lo, char_hi, bits)
    t = (t * _TITLE_MUL + _TITLE_ADD) & mask
    return np.concatenate([ids, t])


def title_content_words(tokens: list[str], text: str) -> list[str]:
    """Content words of the first line of ``text`` (NormalizeStage writes title + "\n" + body), found
    in ``tokens`` (= Segmenter.cut(text), whitespace dropped) by counting characters: no second cut."""
    first = "".join(text.split("\n", 1)[0].split())
    n, k = 0, 0
    while k < len(tokens) and n < len(first):
        n += len(tokens[k])
        k += 1
    return get_segmenter().content_words(tokens[:k])


class TopicModel:
    def __init__(self, linear: LinearModel, calibration: Calibration | None = None):
        self.linear = linear
        self.classes = linear.classes
        self.calibration = calibration
        feats = linear.meta.get("topic_features") or {}
        self._title_block = bool(feats.get("title_block", False))
        self._chars = tuple(feats.get("char_ngrams", (2, 3)))

    def features(self, content_tokens: list[str], title_tokens: list[str] | None = None) -> np.ndarray:
        """Feature buckets; files without ``topic_features`` in meta use the previous function."""
        if not self._title_block:
            return topic_features(content_tokens, self.linear.bits)
        return topic_doc_features(content_tokens, title_tokens, self.linear.bits, *self._chars)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "TopicModel":
        """The model at ``path`` with its calibration file when there is one beside it; the shipped model (cached
        per process) when path is None."""
        model = load_cached(cls, path, DEFAULT_PATH)
        if model.calibration is None:
            cal_path = calibration_path(path)
            if cal_path.is_file():
                cal = Calibration.load(cal_path)
                if cal.classes and cal.classes != list(model.classes):
                    raise ValueError(f"主题模型校准文件 {cal_path} 的类别与模型不一致：请重新校准"
                                     "（python -m yuqing.nlp.train.calibrate）")
                weights = Path(path) if path else DEFAULT_PATH
                if cal.model_sha256 and cal.model_sha256 != file_sha256(weights):
                    log.warning("主题模型 %s 已更新而校准文件 %s 未重新拟合；请运行 python -m yuqing.nlp.train.calibrate",
                                weights, cal_path)
                model.calibration = cal
        return model

    def classify(self, content_tokens: list[str], text: str = "", title_tokens: list[str] | None = None) -> dict:
        """Calibrated topic with abstention: {"label" (a category or 「其他」), "score" (calibrated probability of the
        model's top category), "model_label" (the top category), "candidates" [(category, probability)] top 3,
        "abstain" (why 「其他」, or None)}. Without a calibration file the raw softmax is used with no floor.
        ``title_tokens``: the title's content words (see predict_content)."""
        z = self.linear.decision(self.features(content_tokens, title_tokens))
        cal = self.calibration or Calibration()
        p = softmax(z / cal.temperature)
        order = np.argsort(-p)
        top = int(order[0])
        label, score = self.classes[top], float(p[top])
        abstain = None
        notice = official_notice_signals(text)
        if notice:
            abstain = f"政府文件/通知类文本（{'、'.join(notice)}），不属于群众诉求分类"
        elif score < cal.floor:
            abstain = f"最可能的类别“{label}”校准概率 {score:.2f} 低于下限 {cal.floor:.2f}"
        return {"label": OTHER if abstain else label, "score": score, "model_label": label,
                "candidates": [(self.classes[int(i)], float(p[int(i)])) for i in order[:3]], "abstain": abstain}

    def predict_content(self, content_tokens: list[str], title_tokens: list[str] | None = None) -> tuple[str, float]:
        """Prediction from content words (stopwords already removed); ``title_tokens`` = the title's
        content words when the document has a title (else its first eight content words stand in)."""
        p = self.linear.proba(self.features(content_tokens, title_tokens))
        i = int(p.argmax())
        return self.classes[i], float(p[i])

    def predict(self, tokens: list[str], text: str = "") -> tuple[str, float]:
        """(category, confidence) from the tokens of ``Segmenter.cut``; stopwords are dropped here.

        ``text`` is accepted for the common model interface; the topic model needs only tokens.
        """
        return self.predict_content(get_segmenter().content_words(tokens))

    def proba(self, tokens: list[str], title_tokens: list[str] | None = None) -> dict[str, float]:
        p = self.linear.proba(self.features(get_segmenter().content_words(tokens), title_tokens))
        return {c: float(v) for c, v in zip(self.classes, p)}
