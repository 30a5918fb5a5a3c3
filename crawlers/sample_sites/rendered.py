"""A script-rendered 领导留言板 for the sample web: the same posts as ``/board/``, but every page is an empty shell
that a script fills in the browser, as many modern 留言板 and 12345 portals do.

- ``/rendered/board/list?page=N``: an empty ``<table id="board">``; the script fetches the board's JSON list API
  (``/board/api/list``), fills the rows with links to ``/rendered/board/post/<id>`` and the 下一页 link, then marks
  the table ``data-ready``.
- ``/rendered/board/post/<id>``: an empty ``<div id="post">`` and the post as inline JSON
  (``<script type="application/json">``); the script builds the same layout as ``/board/post/<id>`` (title,
  网友“…”, 留言时间, 状态, counts, text, 官方回复 block) with ``textContent`` only (post text is text, never markup).
- ``/rendered/board/stuck``: a list shell whose script never finishes (a render timeout, for source health).

Without a browser a crawler sees no link and no post here; with one it sees every post.
"""

from __future__ import annotations

import json
from typing import Any

from . import templates as T

PREFIX = "/rendered/board/"
WAIT_SELECTOR = "[data-ready]"  # what a source's render_wait names: the script marks the filled container

_LIST_SCRIPT = """
(function () {
  var page = %(page)d, size = %(size)d;
  fetch('/board/api/list?page=' + page + '&size=' + size).then(function (r) { return r.json(); }).then(function (d) {
    var table = document.getElementById('board');
    d.items.forEach(function (p) {
      var tr = document.createElement('tr');
      var a = document.createElement('a');
      a.href = '/rendered/board/post/' + p.id;
      a.textContent = p.title;
      var cells = [a, p.region, p.category, p.status, p.time.slice(0, 16).replace('T', ' ')];
      cells.forEach(function (c) {
        var td = document.createElement('td');
        if (typeof c === 'string') { td.textContent = c; } else { td.appendChild(c); }
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    var pages = Math.max(1, Math.ceil(d.total / size));
    var nav = document.getElementById('page');
    if (page < pages) {
      var next = document.createElement('a');
      next.href = '/rendered/board/list?page=' + (page + 1);
      next.textContent = '下一页';
      nav.appendChild(next);
    }
    var info = document.createElement('span');
    info.textContent = '共' + d.total + '条 第' + page + '/' + pages + '页';
    nav.appendChild(info);
    table.setAttribute('data-ready', '1');
  });
})();
"""

_POST_SCRIPT = """
(function () {
  var p = JSON.parse(document.getElementById('post-data').textContent);
  var box = document.getElementById('post');
  function add(parent, tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    if (text !== undefined) { el.textContent = text; }
    parent.appendChild(el);
    return el;
  }
  function when(t) { return t.slice(0, 19).replace('T', ' '); }
  add(box, 'h1', 'title', p.title);
  var meta = add(box, 'div', 'meta');
  add(meta, 'span', 'author', '网友“' + p.author + '”');
  meta.appendChild(document.createTextNode('　'));
  add(meta, 'span', 'time', '留言时间：' + when(p.time));
  meta.appendChild(document.createTextNode('　'));
  add(meta, 'span', 'region', '地区：' + p.region);
  meta.appendChild(document.createTextNode('　'));
  add(meta, 'span', 'category', '类别：' + p.category);
  meta.appendChild(document.createTextNode('　'));
  add(meta, 'span', 'status', '状态：' + p.status);
  add(box, 'div', 'counts', '浏览 ' + p.views + '　点赞 ' + p.likes + '　踩 ' + p.dislikes + '　回复 ' + p.replies);
  var content = add(box, 'div', 'content');
  p.content.split('\\n').forEach(function (line) { if (line.trim()) { add(content, 'p', null, line.trim()); } });
  if (p.reply) {
    var r = add(box, 'div', 'reply');
    add(r, 'h3', null, '官方回复');
    add(r, 'div', 'reply-dept', '回复单位：' + p.reply.department);
    add(r, 'div', 'reply-time', '回复时间：' + when(p.reply.time));
    add(r, 'div', 'reply-content', p.reply.text);
  } else if (p.status === '办理中') {
    add(box, 'div', 'reply pending', '该留言已转交相关部门办理，请耐心等待。');
  } else {
    add(box, 'div', 'reply none', '暂无回复');
  }
  box.setAttribute('data-ready', '1');
})();
"""

_STUCK_SCRIPT = "window.__waiting = true;  /* the data never arrives: the page stays an empty shell */"


def _page(title: str, body: str, script: str) -> str:
    return (T._head(title, "utf-8") + '<body>\n<div class="header"><div class="logo">A市领导留言板</div></div>\n'
            f"{body}\n<script>{script}</script>\n"
            '<div class="footer">人民网·A市领导留言板（示例站）　版权所有</div>\n</body>\n</html>\n')


def list_shell(page: int, size: int = T.PER_PAGE) -> str:
    body = ('<div class="board-tabs"><a href="/rendered/board/list">最新留言</a></div>\n'
            '<table class="msg-list" id="board"><tr><th>留言标题</th><th>地区</th><th>类别</th><th>状态</th>'
            '<th>留言时间</th></tr></table>\n<div class="page" id="page"></div>')
    return _page("A市领导留言板", body, _LIST_SCRIPT % {"page": page, "size": size})


def post_shell(detail: dict[str, Any]) -> str:
    data = json.dumps(detail, ensure_ascii=False).replace("</", "<\\/")  # inline JSON cannot close its script
    body = ('<div class="crumb">当前位置：<a href="/rendered/board/list">留言板</a> &gt; 留言详情</div>\n'
            f'<div class="post" id="post"></div>\n<script type="application/json" id="post-data">{data}</script>')
    return _page(f"{detail['title']}_A市领导留言板", body, _POST_SCRIPT)


def handle(sites: Any, h: Any, path: str, page: int) -> None:
    """Serve ``/rendered/board/…`` (``sites`` is the SampleSites, ``h`` the request handler)."""
    snap = sites.snapshot()
    html = None
    if path in (PREFIX + "list", PREFIX, PREFIX + "index.html"):
        if page <= T.pages_for(len(snap.posts)):
            html = list_shell(page)
    elif path == PREFIX + "stuck":
        html = _page("A市领导留言板", '<table class="msg-list" id="board"></table>', _STUCK_SCRIPT)
    elif path.startswith(PREFIX + "post/"):
        raw = path[len(PREFIX + "post/"):]
        post = sites.timeline.post(int(raw), snap.now) if raw.isdigit() else None
        if post is not None:
            html = post_shell(post.detail(sites.base_url, snap.now))
    if html is None:
        return h.send_error_page(404)
    return h.send_body(200, html.encode(), "text/html; charset=utf-8")


def source(base_url: str, name: str = "board_rendered") -> dict[str, Any]:
    """The [[sources]] entry of the rendered board (not among SampleSites.sources(): it needs a browser)."""
    return {"name": name, "type": "board", "title": "A市领导留言板（脚本渲染）", "region": "A市",
            "start_urls": [f"{base_url}{PREFIX}list?page=1"], "render": True, "render_wait": WAIT_SELECTOR}
