"""The personal-information masker: every form a 12345 centre sees is masked, look-alikes stay, text around stays."""

from __future__ import annotations

import pytest

from tests.security.pii_forms import LOOK_ALIKES, PII_FORMS
from yuqing.privacy import RULES, mask_name, mask_pii


def test_tables_are_big_enough_and_names_unique():
    assert len(PII_FORMS) >= 40 and len(LOOK_ALIKES) >= 15
    assert len({name for name, *_ in PII_FORMS}) == len(PII_FORMS)
    assert len({name for name, _ in LOOK_ALIKES}) == len(LOOK_ALIKES)
    for name, text, secret in PII_FORMS:
        assert secret in text, name


@pytest.mark.parametrize("name, text, secret", PII_FORMS, ids=[f[0] for f in PII_FORMS])
def test_every_form_is_masked(name, text, secret):
    masked = mask_pii(text)
    assert secret not in masked
    assert "*" in masked
    # Masking is stable: a second pass changes nothing (outputs may mask text that was already masked).
    assert mask_pii(masked) == masked


@pytest.mark.parametrize("name, text", LOOK_ALIKES, ids=[f[0] for f in LOOK_ALIKES])
def test_look_alikes_untouched(name, text):
    assert mask_pii(text) == text


def _rule_names(text: str) -> set[str]:
    """Which rules of the table change ``text`` on their own (to check each form is caught by the rule meant)."""
    from yuqing.privacy import _apply, _fold

    return {rule.name for rule in RULES if rule.name != "url" and _apply(rule, text, _fold(text))[0] != text}


# -- one test per rule: exact output, separators and the writer's own characters kept --------------------------

@pytest.mark.parametrize("text, masked", [
    ("138-1234-5678", "138-****-5678"),
    ("138 1234 5678", "138 **** 5678"),
    ("138.1234.5678", "138.****.5678"),
    ("电话１３８１２３４５６７８。", "电话１３８****５６７８。"),
    ("+86 138-1234-5678", "+86 138-****-5678"),
    ("(+86)13812345678", "(+86)138****5678"),
    ("（＋86）13812345678", "（＋86）138****5678"),
])
def test_mobile(text, masked):
    assert mask_pii(text) == masked
    assert "mobile" in _rule_names(text)


@pytest.mark.parametrize("text, masked", [
    ("0731-88881234", "0731-8888****"),
    ("073188881234", "07318888****"),
    ("(0731)88881234", "(0731)8888****"),
    ("（0731）88881234", "（0731）8888****"),
    ("010 8888 1234", "010 8888 ****"),
    ("0731-88881234-802", "0731-8888****-802"),
    ("0731-88881234转802", "0731-8888****转802"),
])
def test_landline(text, masked):
    assert mask_pii(text) == masked
    assert "landline" in _rule_names(text)


def test_local_number_only_when_labelled():
    assert mask_pii("电话：88881234") == "电话：8888****"
    assert mask_pii("共88881234人次") == "共88881234人次"
    assert mask_pii("请拨12345") == "请拨12345"


@pytest.mark.parametrize("text, masked", [
    ("430102199003071234", "430*************34"),
    ("430102199003071235", "430*************35"),  # wrong check digit: still somebody's number
    ("430102 19900307 1234", "430*** ******** **34"),
    ("43010419880808991x", "430*************1x"),
])
def test_id18(text, masked):
    assert mask_pii(text) == masked
    assert "id18" in _rule_names(text)


def test_id15_needs_province_and_birth_date():
    assert mask_pii("430105900307123") == "430**********23"
    assert mask_pii("990105900307123") == "990105900307123"  # no province 99
    assert mask_pii("430105901345123") == "430105901345123"  # month 13


@pytest.mark.parametrize("text, masked", [
    ("6222021903001234560", "6222***********4560"),
    ("6230 5800 0012 3455", "6230 **** **** 3455"),
    ("4367-4212-3456-7896", "4367-****-****-7896"),
])
def test_bank_card_luhn(text, masked):
    assert mask_pii(text) == masked
    assert "bank_card" in _rule_names(text)
    wrong = text[:-1] + str((int(text[-1]) + 1) % 10)
    assert mask_pii(wrong) == wrong


@pytest.mark.parametrize("text, masked", [
    ("邮箱zhang.san@example.com", "邮箱z***@example.com"),
    ("请发至 lisi_1990@163.com 。", "请发至 l***@163.com 。"),
    ("邮箱wangwu＠qq.com", "邮箱w***＠qq.com"),
])
def test_email(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text, masked", [
    ("QQ：12345678", "QQ：12****78"),
    ("qq号 12345678", "qq号 12****78"),
    ("QQ 12345", "QQ 1***5"),
])
def test_qq_when_labelled(text, masked):
    assert mask_pii(text) == masked
    assert mask_pii("群号12345678") == "群号12345678"


@pytest.mark.parametrize("text, masked", [
    ("微信：zhangsan_88", "微信：zh******_88"),
    ("微信号 wxid_abc123", "微信号 wx**_****23"),
    ("VX:zs_9527abc", "VX:zs_*****bc"),
])
def test_wechat_when_labelled(text, masked):
    assert mask_pii(text) == masked
    assert "wechat" in _rule_names(text)


def test_wechat_needs_label():
    assert mask_pii("用户zhangsan_88评论") == "用户zhangsan_88评论"


@pytest.mark.parametrize("text, masked", [
    ("湘A12345", "湘A****5"),
    ("湘AD12345", "湘A*****5"),
    ("粤B·6M789", "粤B·****9"),
])
def test_licence_plate(text, masked):
    assert mask_pii(text) == masked
    assert mask_pii("湘ICP备12345678号") == "湘ICP备12345678号"


@pytest.mark.parametrize("text, masked", [
    ("3栋2单元501室", "*栋*单元***室"),
    ("3号楼2单元501", "*号楼*单元***"),
    ("5栋1203", "*栋****"),
    ("十二栋三单元1102室", "**栋*单元****室"),
    ("2单元501室", "*单元***室"),
])
def test_house_number_address(text, masked):
    assert mask_pii(text) == masked
    assert mask_pii("5栋楼下") == "5栋楼下"


@pytest.mark.parametrize("text, masked", [
    ("我叫张三，", "我叫张*，"),
    ("姓名：李四", "姓名：李*"),
    ("联系人：王小明 ", "联系人：王** "),
    ("我叫欧阳修文。", "我叫欧阳**。"),
    ("联系人：赵六先生", "联系人：赵*先生"),
    ("联系人：王先生", "联系人：王先生"),
    ("我叫不上名字", "我叫不上名字"),
])
def test_labelled_name(text, masked):
    assert mask_pii(text) == masked


def test_text_around_is_kept_verbatim():
    text = "【投诉】　市民反映：电话１３８１２３４５６７８，QQ：12345678；详见http://x.gov.cn/a/2019/0907.htm ！"
    assert mask_pii(text) == ("【投诉】　市民反映：电话１３８****５６７８，QQ：12****78；"
                              "详见http://x.gov.cn/a/2019/0907.htm ！")


def test_url_digits_kept_but_text_after_it_masked():
    assert mask_pii("见http://a.cn/13812345678.htm 电话13812345678") == "见http://a.cn/13812345678.htm 电话138****5678"


def test_cheap_path_for_text_without_hints_and_labelled_text_without_digits():
    assert mask_pii("小区停水三天") == "小区停水三天"
    assert mask_pii("我叫张三") == "我叫张*"
    assert mask_pii("微信：zhangsan") == "微信：zh****an"


def test_mask_name_unchanged_conventions():
    assert [mask_name(n) for n in ("张三", "张三丰", "欧阳修文", "UU008792")] == ["张*", "张**", "欧阳**", "UU*****2"]


def test_non_string_rejected_in_chinese():
    with pytest.raises(TypeError, match="字符串"):
        mask_pii(b"13812345678")
