"""The NLP stage's ``yuqing`` commands and benches (registered through pyproject.toml's ``yuqing.commands``)."""

from yuqing.commands import StageCommand

ORDER = 200  # where these commands stand in `yuqing --help` (the pipeline's order)

COMMANDS = [
    StageCommand("analyze", "yuqing.nlp.cli.analyze_cli_main", "分析 JSON 行：清洗、情感、主题、部门、关键词、SimHash、答复质量",
                 "stdio-argv"),
    StageCommand("cluster", "yuqing.nlp.events.cli.cluster_main", "把 JSON 行聚合为事件并按热度排序（--top N --now 时间）",
                 "stdio-argv"),
    StageCommand("train", "yuqing.nlp.train.cli.main", "用共享数据重新训练 sentiment、topic 或 emotion 模型，并与基线对比"),
    StageCommand("correct", "yuqing.nlp.correct.correct_main",
                 "更正帖子、事件或预警的分析结果（主题、情感、责任部门、不是问题），立即生效并供重新训练使用", "app"),
    StageCommand("corrections", "yuqing.nlp.correct.corrections_main", "导出人工更正为训练数据（export --out F.jsonl）",
                 "app"),
    StageCommand("similar", "yuqing.nlp.similar_cli.similar_main",
                 "类案参考：为预警或一段文本查找有官方答复的相似留言与答复草稿；similar import 导入参考库", "app"),
]

BENCHES = {
    "nlp": "yuqing.nlp.bench.bench_main",
    "cluster": "yuqing.nlp.events.bench.bench_cluster_main",
    "routing": "yuqing.nlp.routing_bench.bench_routing_main",
    "similar": "yuqing.nlp.similar_bench.bench_similar_main",
}
