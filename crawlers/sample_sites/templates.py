"""HTML, RSS and Atom rendering for the sample sites, laid out like real Chinese government pages."""

from __future__ import annotations

from datetime import datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

from yuqing.samples.articles import Article, Repost
from yuqing.samples.posts import Post

PER_PAGE = 20

SITES = {
    "city": {"name": "A市人民政府", "prefix": "", "charset": "utf-8", "icp": "A ICP备05001234号-1",
             "nav": ["首页", "政务公开", "政务服务", "互动交流", "走进A市"]},
    "a3": {"name": "A3区人民政府", "prefix": "/a3", "charset": "gbk", "icp": "A ICP备09004321号",
           "nav": ["首页", "区情概况", "政务公开", "办事服务", "政民互动"]},
}


def pages_for(total: int, per_page: int = PER_PAGE) -> int:
    return max(1, -(-total // per_page))


def gov_list_path(site: str, page: int) -> str:
    prefix = SITES[site]["prefix"]
    return f"{prefix}/news/index.html" if page == 1 else f"{prefix}/news/index_{page}.html"


def _fmt(dt: datetime, seconds: bool = False) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def _head(title: str, charset_decl: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n'
            f'<meta http-equiv="Content-Type" content="text/html; charset={charset_decl}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n"
            '<link rel="stylesheet" href="/static/style.css">\n</head>\n')


def _gov_header(site: str) -> str:
    conf = SITES[site]
    prefix = conf["prefix"]
    nav = "".join(f'<li><a href="{prefix}/news/index.html">{n}</a></li>' for n in conf["nav"])
    return (f'<div class="top-bar"><span>欢迎访问{conf["name"]}门户网站</span> <a href="#">无障碍浏览</a> '
            f'<a href="#">繁體</a> <a href="#">English</a></div>\n'
            f'<div class="header"><div class="logo"><a href="{prefix}/news/index.html">{conf["name"]}</a></div>'
            f'<form class="search" action="{prefix}/search"><input name="q" placeholder="请输入关键词"><button>搜索</button>'
            f'</form></div>\n<ul class="nav">{nav}</ul>\n')


def _gov_footer(site: str) -> str:
    conf = SITES[site]
    return (f'<div class="footer"><p><a href="#">网站地图</a> | <a href="#">联系我们</a> | <a href="#">隐私声明</a></p>'
            f'<p>主办：{conf["name"]}办公室　版权所有：{conf["name"]}</p>'
            f'<p><a href="https://beian.miit.gov.cn/">{conf["icp"]}</a>　公安机关备案号 43010202000123　网站标识码 4301000001</p>'
            '</div>\n</body>\n</html>\n')


def gov_list(site: str, articles: list[Article], page: int) -> str:
    conf = SITES[site]
    pages = pages_for(len(articles))
    items = articles[(page - 1) * PER_PAGE: page * PER_PAGE]
    rows = "\n".join(f'<li><a href="{a.path}" title="{escape(a.title)}">{escape(a.title)}</a>'
                     f'<span class="date">{a.published_at:%Y-%m-%d}</span></li>' for a in items)
    nav = [f'<a href="{gov_list_path(site, 1)}">首页</a>']
    if page > 1:
        nav.append(f'<a href="{gov_list_path(site, page - 1)}">上一页</a>')
    if page < pages:
        nav.append(f'<a href="{gov_list_path(site, page + 1)}">下一页</a>')
    nav.append(f'<a href="{gov_list_path(site, pages)}">尾页</a>')
    return (_head(f"政务动态_{conf['name']}", conf["charset"]) + "<body>\n" + _gov_header(site) +
            f'<div class="crumb">当前位置：<a href="{conf["prefix"]}/news/index.html">首页</a> &gt; 政务动态</div>\n'
            f'<div class="list"><h2>政务动态</h2>\n<ul class="news-list">\n{rows}\n</ul>\n'
            f'<div class="page">{" ".join(nav)} <span>共{len(articles)}条 第{page}/{pages}页</span></div></div>\n'
            + _gov_footer(site))


def gov_article(site: str, article: Article, prev: Article | None, nxt: Article | None,
                related: list[Article]) -> str:
    conf = SITES[site]
    declared = "gb2312" if article.charset_trap else conf["charset"]
    body = "\n".join(f"<p>　　{escape(p)}</p>" for p in article.paragraphs)
    prev_link = f'<a href="{prev.path}">{escape(prev.title)}</a>' if prev else "没有了"
    next_link = f'<a href="{nxt.path}">{escape(nxt.title)}</a>' if nxt else "没有了"
    rel = "\n".join(f'<li><a href="{a.path}">{escape(a.title)}</a></li>' for a in related)
    return (_head(f"{article.title}_{conf['name']}", declared) + "<body>\n" + _gov_header(site) +
            f'<div class="crumb">当前位置：<a href="{conf["prefix"]}/news/index.html">首页</a> &gt; '
            f'<a href="{conf["prefix"]}/news/index.html">政务动态</a> &gt; 正文</div>\n'
            f'<div class="article">\n<h1>{escape(article.title)}</h1>\n'
            f'<div class="info">发布时间：{_fmt(article.published_at)}　来源：{escape(article.source)}　'
            f'【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】　<a href="#">打印</a></div>\n'
            f'<div class="content" id="zoom">\n{body}\n</div>\n'
            '<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a>'
            '<span class="qr">扫一扫在手机打开当前页</span></div>\n'
            f'<div class="prevnext"><p>上一篇：{prev_link}</p><p>下一篇：{next_link}</p></div>\n'
            f'<div class="related"><h3>相关链接</h3><ul>\n{rel}\n</ul></div>\n</div>\n' + _gov_footer(site))


def board_list(posts: list[Post], page: int, now: datetime) -> str:
    pages = pages_for(len(posts))
    items = posts[(page - 1) * PER_PAGE: page * PER_PAGE]
    rows = "\n".join(
        f'<tr><td class="t"><a href="{p.path}">{escape(p.title)}</a></td><td>{p.region}</td><td>{p.category}</td>'
        f'<td class="st">{p.status(now)}</td><td>{_fmt(p.published_at)}</td></tr>' for p in items)
    nav = []
    if page > 1:
        nav.append(f'<a href="/board/list?page={page - 1}">上一页</a>')
    if page < pages:
        nav.append(f'<a href="/board/list?page={page + 1}">下一页</a>')
    return (_head("A市领导留言板", "utf-8") + '<body>\n<div class="header"><div class="logo">A市领导留言板</div>'
            '<a class="btn" href="#">我要留言</a></div>\n'
            '<div class="board-tabs"><a href="/board/list">最新留言</a> <a href="#">已回复</a> <a href="#">热门</a></div>\n'
            '<table class="msg-list">\n<tr><th>留言标题</th><th>地区</th><th>类别</th><th>状态</th><th>留言时间</th></tr>\n'
            f"{rows}\n</table>\n"
            f'<div class="page">{" ".join(nav)} <span>共{len(posts)}条 第{page}/{pages}页</span></div>\n'
            '<div class="footer">人民网·A市领导留言板（示例站）　版权所有</div>\n</body>\n</html>\n')


def board_post(post: Post, now: datetime) -> str:
    reply = post.reply(now)
    status = post.status(now)
    paras = "\n".join(f"<p>{escape(line.strip())}</p>" for line in post.content.split("\n") if line.strip())
    if reply:
        reply_block = (f'<div class="reply" id="reply"><h3>官方回复</h3>'
                       f'<div class="reply-dept">回复单位：<span class="dept">{escape(reply["department"])}</span></div>'
                       f'<div class="reply-time">回复时间：<span class="rtime">{_fmt(post.reply_at, True)}</span></div>'
                       f'<div class="reply-content">{escape(reply["text"])}</div></div>')
    elif status == "办理中":
        reply_block = '<div class="reply pending">该留言已转交相关部门办理，请耐心等待。</div>'
    else:
        reply_block = '<div class="reply none">暂无回复</div>'
    return (_head(f"{post.title}_A市领导留言板", "utf-8") + '<body>\n<div class="header"><div class="logo">A市领导留言板</div></div>\n'
            '<div class="crumb">当前位置：<a href="/board/list">留言板</a> &gt; 留言详情</div>\n'
            f'<div class="post" data-id="{post.id}">\n<h1 class="title">{escape(post.title)}</h1>\n'
            f'<div class="meta"><span class="author">网友“{escape(post.author)}”</span>　'
            f'<span class="time">留言时间：{_fmt(post.published_at, True)}</span>　'
            f'<span class="region">地区：{post.region}</span>　<span class="category">类别：{post.category}</span>　'
            f'<span class="status">状态：{status}</span></div>\n'
            f'<div class="counts">浏览 <span class="views">{post.views}</span>　'
            f'点赞 <span class="likes">{post.likes}</span>　踩 <span class="dislikes">{post.dislikes}</span>　'
            f'回复 <span class="replies">{post.replies(now)}</span></div>\n'
            f'<div class="content">\n{paras}\n</div>\n{reply_block}\n</div>\n'
            '<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> 扫一扫</div>\n'
            '<div class="footer">人民网·A市领导留言板（示例站）　版权所有</div>\n</body>\n</html>\n')


def repost_list(reposts: list[Repost], page: int) -> str:
    pages = pages_for(len(reposts))
    items = reposts[(page - 1) * PER_PAGE: page * PER_PAGE]
    rows = "\n".join(f'<li><a href="{r.path}">{escape(r.title)}</a> <i>{r.published_at:%Y-%m-%d}</i></li>' for r in items)
    nxt = f'<a href="/repost/index_{page + 1}.html">下一頁</a>' if page < pages else ""
    return (_head("天天資訊網-熱點轉載", "utf-8") + "<body>\n<h2>天天資訊網 · 民生熱點</h2>\n"
            f'<ul>\n{rows}\n</ul>\n<div class="page">{nxt}</div>\n' + _link_farm(page) + "</body>\n</html>\n")


def _link_farm(salt: int, words: list[str] | None = None) -> str:
    from yuqing.samples.corpus import SPAM_LINKS
    words = words or SPAM_LINKS
    links = " ".join(f'<a href="http://www.{(sum(map(ord, w)) * 7 + salt * 131) % 90000 + 10000}.spam.invalid/">{w}</a>'
                     for w in words)
    return f'<div class="friend-links">友情鏈接：{links}</div>\n'


def repost_page(repost: Repost) -> str:
    paras = "\n".join(f"<p>{escape(line.strip())}</p>" for line in repost.content.split("\n") if line.strip())
    # Spam hosts derive from the words only, never Python's salted hash, so pages stay byte-identical per seed.
    farm = " ".join(f'<a href="http://www.{sum(map(ord, w)) * 7 % 90000 + 10000}.spam.invalid/">{w}</a>'
                    for w in repost.spam)
    return (_head(f"{repost.title}-天天資訊網", "utf-8") + "<body>\n"
            f'<div class="art"><h1>{escape(repost.title)}</h1><div class="src">轉載時間：{_fmt(repost.published_at)}　'
            f"來源：網絡</div>\n<div class=\"txt\">\n{paras}\n</div></div>\n"
            f'<div class="tuijian">相關推薦：{farm}</div>\n</body>\n</html>\n')


def portal(base_url: str, urls: dict[str, list[str]], faults: bool) -> str:
    names = {"city_news": "A市人民政府·政务动态（UTF-8）", "district_news": "A3区人民政府·政务动态（GBK 编码）",
             "board": "A市领导留言板", "board_api": "留言板 JSON 接口", "city_rss": "A市政务动态 RSS",
             "board_atom": "留言板 Atom 订阅", "repost": "转载站（繁体、垃圾链接）", "faults": "故障测试站"}
    rows = "\n".join(f'<li>{names.get(k, k)}：<a href="{u}">{u}</a></li>' for k, v in urls.items() for u in v)
    return (_head("示例站点", "utf-8") + "<body>\n<h1>舆情系统示例站点（本地生成，内容均为虚构）</h1>\n"
            f"<ul>\n{rows}\n</ul>\n</body>\n</html>\n")


def rss(articles: list[Article], base_url: str, now: datetime) -> str:
    items = "\n".join(
        f"<item><title>{xml_escape(a.title)}</title><link>{base_url}{a.path}</link>"
        f"<guid isPermaLink=\"true\">{base_url}{a.path}</guid>"
        f"<pubDate>{a.published_at.strftime('%a, %d %b %Y %H:%M:%S %z')}</pubDate>"
        f"<description>{xml_escape(a.paragraphs[0])}</description></item>" for a in articles[:30])
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>A市人民政府·政务动态</title><link>{base_url}/news/index.html</link>"
            f"<description>A市人民政府门户网站政务动态</description><language>zh-cn</language>"
            f"<lastBuildDate>{now.strftime('%a, %d %b %Y %H:%M:%S %z')}</lastBuildDate>\n{items}\n</channel></rss>\n")


def atom(posts: list[Post], base_url: str, now: datetime) -> str:
    entries = "\n".join(
        f"<entry><title>{xml_escape(p.title)}</title><link href=\"{base_url}{p.path}\"/>"
        f"<id>{base_url}{p.path}</id><published>{p.published_at.isoformat()}</published>"
        f"<updated>{(p.reply_at if p.reply_at and p.reply_at <= now else p.published_at).isoformat()}</updated>"
        f"<author><name>{xml_escape(p.author)}</name></author><category term=\"{p.category}\"/>"
        f"<summary>{xml_escape(p.content[:120])}</summary></entry>" for p in posts[:50])
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>A市领导留言板·最新留言</title><id>{base_url}/board/atom.xml</id>"
            f"<link rel=\"self\" href=\"{base_url}/board/atom.xml\"/><updated>{now.isoformat()}</updated>\n"
            f"{entries}\n</feed>\n")


STYLE = """body{font-family:"Microsoft YaHei",sans-serif;margin:0 auto;max-width:1000px}
.nav li{display:inline;margin-right:1em}.crumb{color:#666;margin:8px 0}.info{color:#888;text-align:center}
h1{text-align:center}.footer{border-top:2px solid #c00;margin-top:2em;text-align:center;color:#666}
.reply{background:#f5f5f5;padding:1em}.date{float:right}
"""
