"""The crawlers' ``yuqing`` commands, benches and services (registered through pyproject.toml's ``yuqing.commands``)."""

from yuqing.commands import StageCommand

ORDER = 100  # where these commands stand in `yuqing --help` (the pipeline's order)

COMMANDS = [
    StageCommand("sample-sites", "yuqing.crawlers.sample_sites.cli.sample_sites_main",
                 "在 127.0.0.1 上运行生成的样例站点（新闻站、留言板、RSS）"),
    StageCommand("crawl", "yuqing.crawlers.run.crawl_main", "采集全部或指定来源（--source NAME）", "app"),
    StageCommand("sources", "yuqing.crawlers.run.sources_main", "列出来源及其健康状况（--json）；sources test NAME 试抓接口来源", "app"),
    StageCommand("extract", "yuqing.crawlers.extract.cli.extract_main", "从网页文件或网址抽取正文（--json）"),
]

BENCHES = {
    "crawl": "yuqing.crawlers.bench.bench_crawl_main",
    "crawl-distributed": "yuqing.crawlers.bench_distributed.bench_distributed_main",
    "extract": "yuqing.crawlers.extract.evaluate.evaluate_main",
    "sample-sites": "yuqing.crawlers.sample_sites.bench.bench_main",
}

# What other commands start (yuqing.commands.stage_service): `yuqing demo` runs the sample sites, serve(host=, port=, seed=,
# live=) → an object with start() and stop().
SERVICES = {
    "sample-sites": "yuqing.crawlers.sample_sites.server.serve",
}
