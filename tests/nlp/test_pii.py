import pytest

from yuqing.privacy import id_check_digit, is_valid_id18, luhn_ok, mask_name, mask_pii


def _valid_id(prefix17="43010519900307123"):
    return prefix17 + id_check_digit(prefix17)


def _luhn_card(prefix="622202123456789012"):
    for d in "0123456789":
        if luhn_ok(prefix + d):
            return prefix + d
    raise AssertionError


def test_mobile_masked_date_kept():
    assert mask_pii("联系电话13812345678，日期20190907") == "联系电话138****5678，日期20190907"


def test_mobile_with_country_code_and_separators():
    assert mask_pii("+86 138-1234-5678") == "+86 138-****-5678"


def test_amount_and_document_numbers_untouched():
    text = "依据国办发〔2016〕80号，投资15000000000元，编号201909071234567，面积13812.5平方米"
    assert mask_pii(text) == text


def test_landline_masked_with_area_code_amount_kept():
    assert mask_pii("座机0731-88881234转") == "座机0731-8888****转"
    assert mask_pii("(0731)88881234") == "(0731)8888****"
    assert mask_pii("共0731-88881234.59元") == "共0731-88881234.59元"


def test_id_number_masked_with_or_without_valid_check_digit():
    good = _valid_id()
    assert is_valid_id18(good)
    assert mask_pii(f"身份证{good}号") == f"身份证{good[:3]}{'*' * 13}{good[-2:]}号"
    # A number copied with one wrong digit still identifies the person: it was left in clear before.
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    assert not is_valid_id18(bad)
    assert mask_pii(f"身份证{bad}号") == f"身份证{bad[:3]}{'*' * 13}{bad[-2:]}号"
    # An 18-digit code whose birth date is impossible is not an ID number.
    assert mask_pii("编号430105199013071234号") == "编号430105199013071234号"


def test_old_15_digit_id_needs_real_birth_date():
    assert mask_pii("老证430105900307123") == "老证430**********23"
    assert mask_pii("编号430105901345123") == "编号430105901345123"  # month 13


def test_bank_card_luhn():
    card = _luhn_card()
    assert mask_pii(f"卡号{card}") == f"卡号{card[:4]}{'*' * (len(card) - 8)}{card[-4:]}"
    wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert mask_pii(f"卡号{wrong}") == f"卡号{wrong}"


def test_email_masked():
    assert mask_pii("邮箱：zhangsan@example.com。") == "邮箱：z***@example.com。"


def test_text_without_digits_unchanged():
    assert mask_pii("小区停水三天") == "小区停水三天"


@pytest.mark.parametrize(
    "name, masked",
    [("张三", "张*"), ("张三丰", "张**"), ("欧阳修文", "欧阳**"), ("UU008792", "UU*****2"), ("Tom", "T**")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_non_string_rejected_in_chinese():
    with pytest.raises(TypeError, match="字符串"):
        mask_pii(None)
