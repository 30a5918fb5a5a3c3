from yuqing.nlp.chars import strip_pinyin, to_halfwidth, to_simplified
from yuqing.nlp.linkfarm import drop_link_farms, link_likeness
from yuqing.nlp.normalize import html_to_text, normalize


def test_traditional_with_pinyin_becomes_clean_simplified():
    assert normalize("關於發(fā)佈網絡安全規定的通知") == "关于发布网络安全规定的通知"
    assert normalize("發（fā）佈") == "发布"


def test_brackets_without_tone_marks_survive():
    text = "采用政府和社会资本合作(PPP)模式，国办发(2019)号文件，方案(A)与方案（B）"
    assert normalize(text) == text


def test_multi_syllable_pinyin_removed():
    assert strip_pinyin("朝(zhāo)阳(yáng)区的重(chóng)庆路") == "朝阳区的重庆路"


def test_fullwidth_letters_digits_halfwidth_but_chinese_punctuation_kept():
    assert to_halfwidth("ＡＢＣ１２３，（测试）。") == "ABC123，（测试）。"


def test_stray_traditional_in_simplified_text_keeps_standard_characters():
    # 乾 is also a standard Simplified character (place names); 沒 is not.
    assert to_simplified("乾城嘉园沒有交付") == "乾城嘉园没有交付"
    # A Traditional text converts in full, phrase-aware.
    assert to_simplified("餅乾與乾淨的水") == "饼干与干净的水"


def test_excel_artifacts_tabs_and_blank_runs_removed():
    raw = "\n\t\t\t\t\t\n\t\t\t\t\t小区停水三天_x000D_\n\n\n\t\t希望尽快解决。\r\n"
    assert normalize(raw) == "小区停水三天\n希望尽快解决。"


def test_boilerplate_lines_dropped():
    raw = (
        "市政府召开常务会议\n【字体：大 中 小】【打印本页】【关闭窗口】\n会议研究了安全生产工作。\n"
        "扫一扫在手机打开当前页\n分享到：微信 微博\n上一篇：关于春耕的通知\n下一篇：市长调研\n"
        "（责任编辑：王五）\n版权所有：A市人民政府办公室\n湘ICP备05001234号"
    )
    assert normalize(raw) == "市政府召开常务会议\n会议研究了安全生产工作。"


def test_sentence_mentioning_editor_is_not_boilerplate_when_long():
    line = "据报道，该报责任编辑：" + "在会上介绍了本市推进政务公开工作的具体做法和下一步打算，并回答了记者提问，" * 2
    assert normalize(line) == line


def test_spam_link_farm_with_spam_words_stripped():
    raw = (
        "市政府召开常务会议，研究部署安全生产工作。会议强调，要压实责任。\n"
        "澳门赌场 在线博彩 百家乐 真人娱乐\n皇冠体育官网\n新葡京娱乐城开户\nwww.xxbet.com\n凤凰彩票平台"
    )
    assert normalize(raw) == "市政府召开常务会议，研究部署安全生产工作。会议强调，要压实责任。"


def test_trailing_link_farm_detected_by_structure_alone():
    # No spam word at all: a block of short, unpunctuated titles after the article is a farm.
    raw = (
        "市政府召开常务会议，研究部署安全生产工作。\n关于印发某某办法的通知\n市长调研农业生产\n"
        "区领导走访企业\n全市教育工作会议召开\n春季植树活动启动"
    )
    assert normalize(raw) == "市政府召开常务会议，研究部署安全生产工作。"


def test_letter_closing_and_signature_kept():
    # Real message endings that look like short-line blocks but are the writer's own text.
    lines = ["我们请求领导关心职工的养老保险问题。", "此致", "敬礼", "J4县供销社全体职工", "2016年10月9日星期日"]
    assert drop_link_farms(lines) == lines
    lines = ["请求依法处理。", "证据呈报人：蒋兴戊 0000-00000000", "周 良 0000-00000000", "2016/8/22，星期一"]
    assert drop_link_farms(lines) == lines


def test_numbered_list_is_prose_not_links():
    assert link_likeness("一、关于小区幼儿园的问题") == 0
    assert link_likeness("www.example.com") > 0


def test_normalize_is_idempotent_on_its_output():
    raw = "關於發(fā)佈ＡＢＣ的通知\n上一篇：x\n正文內容。"
    once = normalize(raw)
    assert normalize(once) == once


def test_html_to_text_drops_script_nav_and_link_dense_blocks():
    html = """<html><head><title>t</title><style>p{}</style></head><body>
    <nav><a href=/>首页</a><a href=/a>新闻</a></nav>
    <script>var x = "不应出现";</script>
    <div class="content"><h1>关于发布供水管网改造方案的通知</h1>
    <p>各街道：</p><p>现将方案印发给你们，请认真贯彻执行。</p></div>
    <div class="farm"><a href="http://a.example/1">澳门赌场</a> <a href="http://a.example/2">在线博彩</a>
    <a href="http://a.example/3">百家乐</a> <a href="http://a.example/4">真人娱乐</a></div>
    </body></html>"""
    text = normalize(html_to_text(html))
    assert text == "关于发布供水管网改造方案的通知\n各街道：\n现将方案印发给你们，请认真贯彻执行。"


def test_html_to_text_accepts_gbk_bytes():
    html = "<p>網絡發佈</p>".encode("gb18030", errors="ignore")
    assert "发布" in normalize(html_to_text("<p>網絡發佈</p>".encode("utf-8")))
    assert normalize(html_to_text(html)) != ""


def test_real_messages_lose_no_prose(shared_data):
    import csv

    from yuqing.nlp.chars import strip_artifacts
    from yuqing.nlp.normalize import strip_boilerplate

    dropped = []
    with open(shared_data / "gov_messages" / "messages_with_replies.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for field in ("留言详情", "答复意见"):
                lines = [l.strip() for l in strip_artifacts(row[field]).split("\n") if l.strip()]
                kept = drop_link_farms(strip_boilerplate(lines))
                dropped += [l for l in lines if l not in kept and len(l) > 15]
    # Citizens' messages and official replies carry no navigation or link farms: nothing of
    # substance may be removed from 5,496 real texts.
    assert dropped == []
