"""``yuqing train topic|sentiment|validate-sentiment|compare-snownlp``: retrain from the shared data, print scores."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from yuqing.nlp.train.common import training_data_dir
from yuqing.nlp.train.sentiment import train_sentiment
from yuqing.nlp.train.sentiment_round3 import compare_snownlp, validate_sentiment
from yuqing.nlp.train.topic import train_topic


# --- command line ------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yuqing train", description="用共享标注数据重新训练情感、主题或情绪模型，并在同一测试集上与基线对比")
    parser.add_argument("what", choices=["sentiment", "topic", "emotion", "validate-sentiment", "compare-snownlp"],
                        help="sentiment（情感）、topic（主题）、emotion（情绪：愤怒/恐惧/悲伤/惊讶/喜悦/中性）、validate-sentiment（只在从训练部分切出的验证集上评测"
                             "情感配方，用于选模型，不碰测试集），或 compare-snownlp（在同一测试集上评测 SnowNLP）")
    parser.add_argument("--data", type=Path, default=None, help="shared/data 目录（默认 ../shared/data）")
    parser.add_argument("--out", type=Path, default=None, help="模型输出文件（默认覆盖 nlp/data/ 中的模型）")
    parser.add_argument("--limit", type=int, default=None,
                        help="只用前 N 条训练样本、每个测试集前若干条（快速检查用，不写默认模型时请配合 --out）")
    parser.add_argument("--snownlp-sample", type=int, default=500, help="每个测试集用多少条评测原版 SnowNLP（0 = 不评）")
    parser.add_argument("--corrections", type=Path, default=None,
                        help="人工更正文件（yuqing corrections export 导出的 .jsonl）；默认读取当前配置存储中的更正")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 50:
        print("错误：--limit 至少为 50。", file=sys.stderr)
        return 2
    if args.limit is not None and args.out is None:
        print("错误：使用 --limit 时请用 --out 指定输出文件，以免覆盖随软件发布的模型。", file=sys.stderr)
        return 2
    data = training_data_dir(args.data)
    if data is None:
        return 2
    try:
        fixes = None
        if args.corrections is not None:
            from yuqing.corrections import CorrectionError, read_export
            from yuqing.nlp.train.topic import usable_corrections

            try:
                rows = read_export(args.corrections)
            except CorrectionError as exc:
                print(f"错误：{exc}", file=sys.stderr)
                return 1
            fixes = usable_corrections(rows, "sentiment" if args.what == "sentiment" else "topic")
        if args.what == "sentiment":
            train_sentiment(data, args.out, snownlp_sample=args.snownlp_sample, limit=args.limit, corrections=fixes)
        elif args.what == "emotion":
            from yuqing.nlp.train.emotion import train_emotion

            train_emotion(data, args.out, limit=args.limit)
        elif args.what == "validate-sentiment":
            validate_sentiment(data)
        elif args.what == "compare-snownlp":
            compare_snownlp(data)
        else:
            train_topic(data, args.out, limit=args.limit, corrections=fixes)
    except (FileNotFoundError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
