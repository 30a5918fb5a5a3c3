"""Replay benchmark: ``yuqing bench replay [--days N] [--limit N] [--start YYYY-MM-DD] [--json]``.

Lives a city's year(s) again: the shared real message-board posts (``gov_messages/messages_with_replies.csv`` with
the departments' real reply times, and ``gov_messages/labeled_raw.csv``) are fed day by day, in-process, through the
kernel's own jobs — ``yuqing.jobs.ingest`` and ``yuqing.jobs.tick`` with ``now`` set to 18:00 (Asia/Shanghai) of each
simulated day — into a throw-away YUQING_HOME with notifications off. A post enters on the first tick after it was
written; a post with an official reply is ingested again, reply included, on the first tick after the reply's real
time, so the overdue-reply rules see what the city saw. Then it reads the alerts back from the store and measures
what an officer would have lived through:

- alerts per simulated day (median, max, total), by rule and level;
- the share of alerts that rest on one post (the posts of the alert's event, or its board post, when it fired);
- the share of keyword alerts whose every matched word sits in a negated, hypothetical or past-tense clause
  (「所幸无人员伤亡」, 「万一爆炸怎么办」, 「如果…」, 「没有…」, 「曾经…」) — judged by the cue lists of :mod:`yuqing.alerts.replay.judge`,
  independent of the rules under test;
- known issues split across alerts and events. Known issues are derived from the data, reproducibly: posts whose
  titles name the same place or organisation (a name ending in 小区/公司/医院/路/村/桥/平台 … , found by
  :func:`title_entities`), chained while consecutive posts are at most ``ISSUE_GAP_DAYS`` apart, kept with at least
  ``ISSUE_MIN_POSTS`` posts; groups sharing a post are merged;
- routing: department table, abstentions (no department, or sent to the officer as unsure), fallback routing;
- detection delay of each issue's bursts (:func:`find_bursts`): first alert covering a burst post minus burst start;
- overdue-reply alerts still open after the reply arrived;
- the most-liked posts no alert covered (the shared CSVs carry no like counts; the figure is given when a 点赞数
  column exists, and otherwise the report says so and lists the largest uncovered issues instead).

Alert figures depend on the code under test; everything else (messages, issues, bursts) depends only on the data, so
runs before and after a change are compared on the same footing. The output is deterministic (sorted everywhere, no
randomness, no wall-clock figures on stdout); progress and timings go to stderr.
"""
