"""``yuqing train topic|sentiment|validate-sentiment|compare-snownlp``: retrain from the shared data, print scores."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nlp.train.sentiment import compare_snownlp, train_sentiment, validate_sentiment
from nlp.train.topic import train_topic


# --- command line ------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    from yuqing.paths import shared_data_dir

    parser = argparse.ArgumentParser(prog="yuqing train", description="用共享标注数据重新训练情感或主题模型")
    parser.add_argument("what", choices=["sentiment", "topic", "validate-sentiment", "compare-snownlp"],
                        help="sentiment（情感）、topic（主题）、validate-sentiment（只在从训练部分切出的验证集上评测"
                             "情感配方，用于选模型，不碰测试集），或 compare-snownlp（在同一测试集上评测 SnowNLP）")
    parser.add_argument("--data", type=Path, default=None, help="shared/data 目录（默认 ../shared/data）")
    parser.add_argument("--out", type=Path, default=None, help="模型输出文件（默认覆盖 nlp/data/ 中的模型）")
    args = parser.parse_args(argv)
    data = args.data or shared_data_dir()
    if data is None or not Path(data).is_dir():
        print("错误：找不到共享数据目录，请用 --data 指定 shared/data 的路径。", file=sys.stderr)
        return 2
    try:
        if args.what == "sentiment":
            train_sentiment(Path(data), args.out)
        elif args.what == "validate-sentiment":
            validate_sentiment(Path(data))
        elif args.what == "compare-snownlp":
            compare_snownlp(Path(data))
        else:
            train_topic(Path(data), args.out)
    except (FileNotFoundError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
