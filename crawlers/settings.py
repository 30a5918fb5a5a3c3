"""Scrapy settings for the Yuqing crawlers.

Per-source politeness (delay, concurrency, robots.txt, timeout, retries) is applied by each generated spider's
``custom_settings``; these are the project-wide defaults and guards.
"""

BOT_NAME = "yuqing"

# Spiders are generated from the configured sources, not discovered in modules.
SPIDER_LOADER_CLASS = "yuqing.crawlers.spiders.loader.SourceSpiderLoader"
SPIDER_MODULES = ["yuqing.crawlers.spiders"]
NEWSPIDER_MODULE = "yuqing.crawlers.spiders"

USER_AGENT = "YuqingBot/0.1 (+政务舆情监测)"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.0
DOWNLOAD_TIMEOUT = 20
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
# Huge pages are refused, not buffered: a broken server must not exhaust memory. Real article and list pages,
# even bloated government portals, stay well under 2 MB; 4 MB leaves room and still catches runaway pages.
DOWNLOAD_MAXSIZE = 4 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True

ITEM_PIPELINES = {
    "yuqing.crawlers.pipelines.StorePipeline": 300,
}
# Bookkeeping nobody reads: source health keeps its own counters (yuqing.crawlers.extensions.CrawlHealth) and no source
# sets DEPTH_LIMIT. Each wraps every request, response or item of a crawl.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "yuqing.crawlers.extensions.CrawlHealth": 500,
}

# Scrapy re-reads and parses a generator callback's source to warn about `return value` in it (a developer lint,
# milliseconds each time); tests/crawlers/test_crawl_units.py checks our callbacks once instead.
WARN_ON_GENERATOR_RETURN_VALUE = False

# Rendering (sources with render = true) is not configured here: yuqing.crawlers.rendering.render_settings adds the
# scrapy-playwright download handler, Debian's chromium and the [crawl] render_concurrency/render_timeout caps to a
# crawl's settings only when one of its sources renders, so a crawl of plain sources never loads playwright.

# Items are written in batches of this many, one transaction per batch.
YUQING_BATCH_SIZE = 20

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
